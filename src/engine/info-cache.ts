import type { SessionInfo } from '../types.js';
import { cloneJson } from './chunk-cache.js';

/**
 * Decoded session states (`SessionInfo`) kept for listings and `getSession`. Keyed by
 * [sid, version]: a session's state at a version never changes (every change is a new version,
 * GC and purges change neither, sids are never reused), so an entry can never be stale, in this
 * process or after another process wrote. A listing finds the version in the recency index's
 * value and reads nothing else for a cached session. One entry per session (its newest state
 * seen: older ones are of no use to a listing), LRU, bounded by the stored bytes of the head
 * and state records it stands for.
 */
export class InfoCache {
  private readonly entries = new Map<number, { bytes: number; info: SessionInfo }>();
  private size = 0;

  /** `capacity` in stored bytes of the records held; 0 keeps nothing. */
  constructor(private readonly capacity: number) {}

  /** A copy of the cached state (the caller's own metadata object), or undefined. */
  lookup(sid: number, version: number): SessionInfo | undefined {
    const hit = this.entries.get(sid);
    if (hit === undefined || hit.info.version !== version) return undefined;
    // Map order is insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(sid);
    this.entries.set(sid, hit);
    return copyInfo(hit.info);
  }

  /** Moves the cached state of `sid` at version `from` on to `to`, its summary and metadata unchanged. */
  advance(sid: number, from: number, to: InfoAdvance): void {
    const hit = this.entries.get(sid);
    if (hit === undefined || hit.info.version !== from) return;
    // The cache's own metadata object is shared by both entries: it is only ever copied out.
    hit.info = { ...hit.info, version: to.version, messageCount: to.messageCount, updatedAt: to.updatedAt };
  }

  /** Keeps `info` (the cache's own copy is made here), evicting the least recently used beyond capacity. */
  store(sid: number, bytes: number, info: SessionInfo): void {
    if (bytes > this.capacity) return;
    const old = this.entries.get(sid);
    if (old !== undefined) {
      // Another process may have written: keep the newer of the two states.
      if (old.info.version > info.version) return;
      this.entries.delete(sid);
      this.size -= old.bytes;
    }
    this.entries.set(sid, { bytes, info: copyInfo(info) });
    this.size += bytes;
    for (const [k, v] of this.entries) {
      if (this.size <= this.capacity) break;
      this.entries.delete(k);
      this.size -= v.bytes;
    }
  }
}

/** The fields a write changes when it leaves the summary and metadata as they were. */
export interface InfoAdvance {
  version: number;
  messageCount: number;
  updatedAt: number;
}

/**
 * After this process committed a write: its state is cached when the write knew all of it;
 * otherwise a cached state of the version just before moves on to the new version (its
 * summary and metadata did not change). Another process's writes in between make the versions
 * differ, and nothing is moved.
 */
export function noteWrite(cache: InfoCache, sid: number, before: number, advance: InfoAdvance, info: SessionInfo | undefined, infoBytes: number): void {
  if (info !== undefined) cache.store(sid, HEAD_BYTES + infoBytes, info);
  else cache.advance(sid, before, advance);
}

/** Stored bytes a cached state stands for besides its state record: about a head's. */
export const HEAD_BYTES = 160;

function copyInfo(info: SessionInfo): SessionInfo {
  return { ...info, metadata: cloneJson(info.metadata) };
}
