import { toPublicEvent } from './public-events.js';
import type { Message, SessionEvent, SessionInfo } from '../types.js';
import type { Backend, ReadTxn } from '../storage/backend.js';
import { decodeEventIdEntry, decodeState } from '../core/codec.js';
import type { HeadRecord } from '../core/codec.js';
import { sidKey } from '../core/layout.js';
import { assertReadable, findHead, gatherMessages, readEventPage, readEventRange, snapshotAt } from './reader.js';
import { HEAD_BYTES } from './info-cache.js';
import type { InfoCache } from './info-cache.js';
import { cloneJson } from './chunk-cache.js';
import type { ChunkCache } from './chunk-cache.js';
import type { EventCache } from './event-cache.js';
import { followEvents, historyEntry } from './history-cache.js';
import type { HistoryCache } from './history-cache.js';

/** Events returned per read transaction by readEvents: long reads never pin one snapshot. */
const EVENT_PAGE = 256;

/** The versions a log read covers, inclusive, with the head they were read from. */
export interface VersionRange {
  head: HeadRecord;
  from: number;
  to: number;
}

/**
 * The versions a log read covers. By default from the oldest kept event (after the GC base);
 * an explicit `fromVersion` inside what GC collected is PRUNED.
 */
export function versionRange(backend: Backend, key: string, from: number | undefined, to: number | undefined): VersionRange | undefined {
  const head = backend.read((tx) => findHead(tx, key));
  if (head === undefined) return undefined;
  if (from !== undefined && from <= head.version) assertReadable(head, Math.max(0, from - 1));
  const range = { head, from: Math.max(head.base + 1, from ?? 1), to: Math.min(to ?? head.version, head.version) };
  // A range past the newest version (or an inverted one) holds no event: nothing to read.
  return range.from > range.to ? undefined : range;
}

/** The public events of `range`, read a page per transaction as the caller iterates. */
export function eventPages(backend: Backend, { head, from, to }: VersionRange): Iterable<SessionEvent> {
  return {
    *[Symbol.iterator]() {
      for (let v = from; v <= to; v += EVENT_PAGE) {
        const upTo = Math.min(to, v + EVENT_PAGE - 1);
        const page = backend.read((tx) => readEventPage(tx, head, v - 1, upTo));
        for (const e of page) yield toPublicEvent(e);
      }
    },
  };
}

/** The caches a read of the newest history goes through. */
export interface HistoryCaches {
  chunks: ChunkCache;
  events: EventCache;
  histories: HistoryCache;
  /** A cached older history is moved on by at most this many events (a read from the checkpoint folds fewer). */
  followAtMost: number;
}

/**
 * The visible messages at the head's version (only the newest `last` with `last`), the
 * caller's own copies, through the history cache: a cached history of this version is copied; an
 * older one is moved on by the events after it (usually one, decoded once by the event cache),
 * when GC kept them and there are not more than a read from the checkpoint could fold; else the
 * history is read from the checkpoint and kept — except for a `last` read, which stays O(last)
 * and gives undefined instead.
 */
export function newestMessages(tx: ReadTxn, head: HeadRecord, c: HistoryCaches, last: number | undefined): Message[] | undefined {
  let messages: readonly Message[];
  const hit = c.histories.lookup(head.sid);
  const at = hit?.projection.version ?? -1;
  if (hit !== undefined && at === head.version) messages = hit.messages;
  else if (hit !== undefined && at < head.version && at >= head.base && head.version - at <= c.followAtMost) {
    const what = (e: { version: number }) => () => `a message of event ${e.version} of session #${head.sid}`;
    const moved = followEvents(hit, readEventRange(tx, head.sid, at, head.version, c.events), (e, json) => c.events.messages(e, json, what(e)));
    c.histories.store(head.sid, moved);
    messages = moved.messages;
  } else if (last === undefined) {
    const snap = snapshotAt(tx, head, head.version, c.events);
    const got = gatherMessages(tx, head.sid, snap, c.chunks, undefined, c.events);
    c.histories.store(head.sid, historyEntry(snap.projection, got.messages, got.sizes));
    messages = got.messages;
  } else return undefined;
  // The cached messages are shared: callers get their own objects (strings shared).
  const out = new Array<Message>(last === undefined ? messages.length : Math.min(last, messages.length));
  for (let i = 0, from = messages.length - out.length; i < out.length; i++) out[i] = cloneJson(messages[from + i] as Message);
  return out;
}

/** The session's current state; from `cache` when it holds this version, else read (and cached). */
export function sessionInfo(tx: ReadTxn, head: HeadRecord, cache?: InfoCache): SessionInfo {
  const hit = cache?.lookup(head.sid, head.version);
  if (hit !== undefined) return hit;
  const raw = tx.get('state', sidKey(head.sid));
  const state = raw === undefined ? { summary: '', metadata: {} } : decodeState(raw, () => `state of session #${head.sid}`);
  const info: SessionInfo = {
    key: head.key,
    version: head.version,
    messageCount: head.next - head.start,
    createdAt: head.createdAt,
    updatedAt: head.updatedAt,
    summary: state.summary,
    metadata: state.metadata,
  };
  cache?.store(head.sid, HEAD_BYTES + (raw?.byteLength ?? 0), info);
  return info;
}

/** The session's state at an older `version`, folded from its events (see reader.ts). */
export function sessionInfoAt(tx: ReadTxn, key: string, head: HeadRecord, version: number): SessionInfo {
  const p = snapshotAt(tx, head, version).projection;
  return { key, version, messageCount: p.next - p.start, createdAt: p.createdAt, updatedAt: p.updatedAt, summary: p.summary, metadata: p.metadata };
}

/** One kept eventIds entry: the digest of the id (its key), the version it applied, its fingerprint. */
export interface KeptEventId {
  digest: string;
  version: number;
  fingerprint?: string;
}

/**
 * Every event id a session keeps (GC keeps them for the session's lifetime), in one read
 * transaction. Only the ids' digests are stored, so that is what can be listed.
 */
export function keptEventIds(backend: Backend, key: string): KeptEventId[] {
  return backend.read((tx) => {
    const head = findHead(tx, key);
    if (head === undefined) return [];
    const out: KeptEventId[] = [];
    for (const e of tx.range('eventIds', { low: [head.sid], high: [head.sid + 1] })) {
      const digest = e.key[1];
      if (typeof digest !== 'string') continue;
      const entry = decodeEventIdEntry(e.value, `event id of session #${head.sid}`);
      out.push(entry.fingerprint === undefined ? { digest, version: entry.version } : { digest, version: entry.version, fingerprint: entry.fingerprint });
    }
    return out;
  });
}
