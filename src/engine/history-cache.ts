import { corrupt } from '../errors.js';
import type { LogEvent } from '../core/events.js';
import { messageSpan, rewindOf } from '../core/events.js';
import { applyEvent } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import type { Message } from '../types.js';

/** A session's visible history at one version, its messages shared with the other read caches. */
export interface HistoryEntry {
  /** The projection at the entry's version, without its summary and metadata (see `historyEntry`). */
  projection: Projection;
  /** The visible messages, positions [projection.start, projection.next); read-only. */
  messages: readonly Message[];
  /** The length of each message's stored JSON text. */
  sizes: readonly number[];
  /** What the entry is charged against the cache's capacity. */
  bytes: number;
}

/** Charged per entry and per message besides the messages' text: the objects holding them. */
const ENTRY_OVERHEAD = 256;
const MESSAGE_OVERHEAD = 64;

/**
 * An entry for the cache. The summary and metadata are left out: placing messages never needs
 * them, and a session whose history is short or empty could otherwise hold any amount of memory
 * while charged for almost none. Every entry is charged a fixed overhead, so the number of
 * entries is bounded too.
 */
export function historyEntry(projection: Projection, messages: readonly Message[], sizes: readonly number[]): HistoryEntry {
  let bytes = ENTRY_OVERHEAD + MESSAGE_OVERHEAD * messages.length;
  for (const n of sizes) bytes += n;
  return { projection: { ...projection, summary: '', metadata: {} }, messages, sizes, bytes };
}

/**
 * The newest history read of each session. A chat loop reads its whole history after every
 * append; folding the events since the checkpoint and gathering the messages from the chunk and
 * event caches again for every read cost more than the rest of it. The history at [sid, version]
 * never changes (every change is a new version, GC and purges change none, sids are never
 * reused), so an entry is never stale, whichever process wrote; a read at a newer version moves
 * it on by the events after it (followEvents). The messages are the chunk and event caches' own
 * objects, read-only: reads hand out copies. One entry per session, LRU, bounded by the stored
 * bytes of the messages held.
 */
export class HistoryCache {
  private readonly entries = new Map<number, HistoryEntry>();
  private size = 0;

  /** `capacity` in stored bytes of the messages held; 0 keeps nothing. */
  constructor(private readonly capacity: number) {}

  lookup(sid: number): HistoryEntry | undefined {
    const hit = this.entries.get(sid);
    if (hit === undefined) return undefined;
    // Map order is insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(sid);
    this.entries.set(sid, hit);
    return hit;
  }

  /** Keeps `entry` as the session's newest history, evicting the least recently used beyond capacity. */
  store(sid: number, entry: HistoryEntry): void {
    const old = this.entries.get(sid);
    if (old !== undefined) {
      // A read of an older snapshot never replaces a newer history.
      if (old.projection.version > entry.projection.version) return;
      this.entries.delete(sid);
      this.size -= old.bytes;
    }
    if (entry.bytes > this.capacity) return;
    this.entries.set(sid, entry);
    this.size += entry.bytes;
    for (const [k, v] of this.entries) {
      if (this.size <= this.capacity) break;
      this.entries.delete(k);
      this.size -= v.bytes;
    }
  }
}

/**
 * `entry` moved on by `events`, the versions right after it in order: each is folded into the
 * projection (throwing CORRUPT as the fold does on one that cannot follow); a removal of the
 * newest messages drops them, the messages an event carries are appended (from `carried`:
 * parsed, shared), and a cut drops the oldest. The same positions → messages as a read from the
 * checkpoint: the last event that placed a position holds its message.
 */
export function followEvents(entry: HistoryEntry, events: readonly LogEvent[], carried: (e: LogEvent, messagesJson: string[]) => readonly Message[]): HistoryEntry {
  let p = entry.projection;
  let messages = entry.messages.slice();
  let sizes = entry.sizes.slice();
  for (const e of events) {
    const q = applyEvent(p, e);
    const rewind = rewindOf(e);
    if (rewind !== undefined) {
      messages = messages.slice(0, rewind.from - p.start);
      sizes = sizes.slice(0, rewind.from - p.start);
    }
    const span = messageSpan(e);
    if (span !== undefined) {
      for (const m of carried(e, span.messagesJson)) messages.push(m);
      for (const json of span.messagesJson) sizes.push(json.length);
    }
    if (q.start > p.start) {
      messages = messages.slice(q.start - p.start);
      sizes = sizes.slice(q.start - p.start);
    }
    // Only positions are needed: a summary or metadata folded in is not kept.
    p = q.summary === '' && Object.keys(q.metadata).length === 0 ? q : { ...q, summary: '', metadata: {} };
  }
  if (messages.length !== p.next - p.start || sizes.length !== messages.length) corrupt(`the history of version ${p.version} does not add up: ${messages.length} messages for positions ${p.start}..${p.next - 1}`);
  return historyEntry(p, messages, sizes);
}
