import { chunkTexts, decodeCheckpoint, decodeChunk, decodeChunkSized, decodeEvent, decodeHead, decodeNumber, decodePack, decodeState, isPack, parseMessage } from '../core/codec.js';
import type { CheckpointRecord, HeadRecord, StateRecord, StubResolver } from '../core/codec.js';
import type { LogEvent } from '../core/events.js';
import { messageSpan, rewindOf } from '../core/events.js';
import { checkpointKey, chunkKey, chunkPosition, dirKey, eventKey, keyNumber, regionPieces, sidKey } from '../core/layout.js';
import type { Key } from '../core/layout.js';
import { emptyProjection, foldEvents, PROJECTION_FORMAT } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import { corrupt, TurnlogError } from '../errors.js';
import type { Message } from '../types.js';
import type { ReadTxn } from '../storage/backend.js';
import { cloneJson } from './chunk-cache.js';
import type { CachedChunk, ChunkCache } from './chunk-cache.js';
import type { EventCache } from './event-cache.js';

/**
 * Reads of the projection: a checkpoint plus the events after it. Never folds more than the
 * events since the newest usable checkpoint at or before the version asked for.
 */

export function findHead(tx: ReadTxn, key: string): HeadRecord | undefined {
  const raw = tx.get('dir', dirKey(key));
  if (raw === undefined) return undefined;
  const sid = decodeNumber(raw, () => `directory entry of ${JSON.stringify(key)}`);
  const head = headBySid(tx, sid);
  if (head === undefined) corrupt(`session ${JSON.stringify(key)} is in the directory but has no head`);
  if (head.key !== key) corrupt(`directory entry of ${JSON.stringify(key)} points at another session`);
  return head;
}

export function headBySid(tx: ReadTxn, sid: number): HeadRecord | undefined {
  const raw = tx.get('heads', sidKey(sid));
  return raw === undefined ? undefined : decodeHead(raw, () => `head of session #${sid}`);
}

export function readState(tx: ReadTxn, sid: number): StateRecord {
  const raw = tx.get('state', sidKey(sid));
  return raw === undefined ? { summary: '', metadata: {} } : decodeState(raw, () => `state of session #${sid}`);
}

/** The newest checkpoint at or before `version` that the current fold can use. */
export function checkpointAtOrBefore(tx: ReadTxn, head: HeadRecord, version: number): CheckpointRecord | undefined {
  if (head.cp > 0 && head.cp <= version) {
    const raw = tx.get('checkpoints', checkpointKey(head.sid, head.cp));
    if (raw === undefined) corrupt(`checkpoint ${head.cp} of ${JSON.stringify(head.key)} is missing`);
    const cp = decodeCheckpoint(raw, () => `checkpoint ${head.cp} of session #${head.sid}`);
    if (cp.projectionFormat === PROJECTION_FORMAT) return cp;
  }
  const range = tx.range('checkpoints', { low: checkpointKey(head.sid, 0), high: checkpointKey(head.sid, version + 1), reverse: true });
  for (const entry of range) {
    const cp = decodeCheckpoint(entry.value, () => `checkpoint of session #${head.sid}`);
    if (cp.projectionFormat === PROJECTION_FORMAT) return cp;
  }
  return undefined;
}

/**
 * Resolves the stub events of one session (codec-events.ts) from its chunks: the messages at
 * chunk key positions [at, at + count), as the JSON texts sealing copied there. The chunk last
 * split is kept, since consecutive stubs name consecutive positions of the same chunks.
 */
export function stubResolver(tx: ReadTxn, sid: number): StubResolver {
  let held: { from: number; texts: string[] } | undefined;
  return (at, count) => {
    const out: string[] = [];
    for (let key = at; key < at + count; key++) {
      if (held === undefined || key < held.from || key >= held.from + held.texts.length) {
        held = undefined;
        for (const e of tx.range('chunks', { low: chunkKey(sid, 0), high: chunkKey(sid, key + 1), reverse: true, limit: 1 })) {
          const from = keyNumber(e.key, 1, 'chunks');
          held = { from, texts: chunkTexts(e.value, () => `chunk ${from} of session #${sid}`) };
        }
        if (held === undefined || key >= held.from + held.texts.length) return out; // the caller reports the shortfall
      }
      out.push(held.texts[key - held.from] as string);
    }
    return out;
  };
}

/**
 * An event as read, with the stored bytes it stands for (a packed event: its share of the pack's
 * bytes, the remainder on the pack's last event) and whether it was read from a pack.
 */
export interface RawEvent {
  event: LogEvent;
  bytes: number;
  packed: boolean;
}

/** The last key of any session's events table: a pack holding the newest versions asked for is keyed at or below it. */
const LAST_VERSION = Number.MAX_SAFE_INTEGER;

/**
 * Events (after, upTo] of a session, with their stored sizes; throws CORRUPT on a gap. Stubs are
 * resolved, packs (codec-packs.ts) opened: a pack keyed at or after `after + 1` may start below it
 * (only its events in range are decoded), and the pack holding `upTo` may be keyed above it.
 */
export function decodeRawEvents(tx: ReadTxn, sid: number, after: number, upTo: number): RawEvent[] {
  const out: RawEvent[] = [];
  if (upTo <= after) return out;
  let resolve: StubResolver | undefined;
  const resolver: StubResolver = (at, count) => (resolve ??= stubResolver(tx, sid))(at, count);
  const one = (bytes: Uint8Array, share: number, packed: boolean): void => {
    const want = after + out.length + 1;
    const e = decodeEvent(bytes, () => `event ${want} of session #${sid}`, resolver);
    if (e.version !== want) corrupt(`event ${want} of session #${sid} is missing`);
    out.push({ event: e, bytes: share, packed });
  };
  const row = (key: Key, value: Uint8Array): void => {
    if (!isPack(value)) return one(value, value.byteLength, false);
    const last = keyNumber(key, 1, 'events');
    const what = () => `event pack ${last} of session #${sid}`;
    const { first, events } = decodePack(value, what);
    if (first + events.length - 1 !== last) corrupt(`event pack ${last} of session #${sid} does not end at its key`);
    const share = Math.floor(value.byteLength / events.length);
    for (let v = Math.max(first, after + out.length + 1); v <= Math.min(last, upTo); v++) {
      one(events[v - first] as Uint8Array, v === last ? value.byteLength - share * (events.length - 1) : share, true);
    }
  };
  for (const entry of tx.range('events', { low: eventKey(sid, after + 1), high: eventKey(sid, upTo + 1) })) row(entry.key, entry.value);
  if (out.length < upTo - after) {
    for (const entry of tx.range('events', { low: eventKey(sid, upTo + 1), high: eventKey(sid, LAST_VERSION), limit: 1 })) if (isPack(entry.value)) row(entry.key, entry.value);
  }
  if (out.length !== upTo - after) corrupt(`events ${after + out.length + 1}..${upTo} of session #${sid} are missing`);
  return out;
}

/**
 * Events (after, upTo] of a session. With `cache`, the events it holds are not read again: only
 * from the first one it lacks on (after an append, usually the newest alone) are read and decoded.
 */
export function readEventRange(tx: ReadTxn, sid: number, after: number, upTo: number, cache?: EventCache): LogEvent[] {
  if (cache === undefined) return decodeRawEvents(tx, sid, after, upTo).map((r) => r.event);
  const out: LogEvent[] = [];
  let v = after + 1;
  for (let e = cache.lookup(sid, v); v <= upTo && e !== undefined; e = cache.lookup(sid, ++v)) out.push(e);
  for (const r of decodeRawEvents(tx, sid, v - 1, upTo)) {
    cache.store(sid, r.bytes, r.event);
    out.push(r.event);
  }
  return out;
}

/**
 * The head of the session a paged read started on, re-read in the page's own snapshot. Between
 * pages the session may have been deleted (NOT_FOUND, also when the key was re-created since:
 * that is another session) or GC may have collected what the next page needs (PRUNED, with the
 * oldest readable version). Neither is damage: CORRUPT stays for what no operation explains.
 */
export function sameSession(tx: ReadTxn, started: HeadRecord): HeadRecord {
  const head = findHead(tx, started.key);
  if (head === undefined || head.sid !== started.sid) {
    throw new TurnlogError('NOT_FOUND', `session ${JSON.stringify(started.key)} was deleted while it was being read`);
  }
  return head;
}

/** Events (after, upTo] of the session a paged read started on, checked against its current head. */
export function readEventPage(tx: ReadTxn, started: HeadRecord, after: number, upTo: number): LogEvent[] {
  const head = sameSession(tx, started);
  assertReadable(head, after);
  return readEventRange(tx, head.sid, after, upTo);
}

/** Versions before the session's GC base were collected: reading them is PRUNED, never a guess. */
export function assertReadable(head: HeadRecord, version: number): void {
  if (version < head.base) {
    throw new TurnlogError('PRUNED', `version ${version} of ${JSON.stringify(head.key)} was garbage-collected; the oldest readable is ${head.base}`, {
      oldestReadable: head.base,
    });
  }
}

export interface Snapshot {
  projection: Projection;
  /** The checkpoint the projection was folded from (undefined: from the first event). */
  base: CheckpointRecord | undefined;
  /** Events after the checkpoint, up to the version read. */
  tail: LogEvent[];
}

export function snapshotAt(tx: ReadTxn, head: HeadRecord, version: number, events?: EventCache): Snapshot {
  assertReadable(head, version);
  const base = checkpointAtOrBefore(tx, head, version);
  const from = base?.projection ?? emptyProjection();
  const tail = readEventRange(tx, head.sid, from.version, version, events);
  return { projection: foldEvents(from, tail), base, tail };
}

/**
 * Where a snapshot's chunks stop being the source: positions below come from the checkpoint's
 * chunks, the rest from the tail events. A removal in the tail gives its positions to later
 * events, so the checkpoint's chunks no longer hold them from there on.
 */
export function sealedEnd(snap: Snapshot): number {
  let end = snap.base?.projection.next ?? 0;
  for (const e of snap.tail) {
    const rw = rewindOf(e);
    if (rw !== undefined && rw.from < end) end = rw.from;
  }
  return end;
}

/** Messages gathered for a read, with the length of each one's stored JSON text. */
export interface Gathered {
  messages: Message[];
  /** The length of each message's stored JSON text. */
  sizes: number[];
}

/**
 * The visible messages of a snapshot, or only those from position `from` on (the newest ones):
 * positions below `sealedEnd` come from sealed chunks, the rest from the tail events' payloads
 * (the last event that placed a position holds its message). Callers get their own objects.
 */
export function messagesOf(tx: ReadTxn, sid: number, snap: Snapshot, cache?: ChunkCache, from?: number, events?: EventCache): Message[] {
  const { messages } = gatherMessages(tx, sid, snap, cache, from, events);
  if (cache === undefined && events === undefined) return messages;
  // What the caches hold is shared: the caller gets copies (strings shared, a fraction of parsing).
  for (let i = 0; i < messages.length; i++) messages[i] = cloneJson(messages[i] as Message);
  return messages;
}

/**
 * messagesOf without the copies: with `cache` and `events`, the messages are the caches' own
 * objects (read-only; whoever hands them out copies them), with the length of each one's JSON text.
 */
export function gatherMessages(tx: ReadTxn, sid: number, snap: Snapshot, cache?: ChunkCache, from?: number, events?: EventCache): Gathered {
  const { next, regions } = snap.projection;
  const start = Math.max(snap.projection.start, from ?? 0);
  const sealed = sealedEnd(snap);
  const got: Gathered = { messages: [], sizes: [] };
  const chunkEnd = Math.min(sealed, next);
  for (const piece of regionPieces(regions, start, chunkEnd)) readChunks(tx, sid, piece.from + piece.offset, piece.to + piece.offset, got, cache);
  const lo = Math.max(start, sealed);
  // For each position from `lo`: the tail event that placed it last, and where in that event.
  const slots: Array<LogEvent | undefined> = new Array<LogEvent | undefined>(Math.max(0, next - lo));
  for (const e of snap.tail) {
    const span = messageSpan(e);
    if (span === undefined) continue;
    for (let p = Math.max(lo, span.from); p < span.to && p < next; p++) slots[p - lo] = e;
  }
  for (let i = 0; i < slots.length; i++) {
    const e = slots[i];
    const span = e === undefined ? undefined : messageSpan(e);
    if (e === undefined || span === undefined) return corrupt(`message ${lo + i} of session #${sid} is missing`);
    const what = () => `message ${lo + i} of session #${sid}`;
    const index = lo + i - span.from;
    const json = span.messagesJson[index] as string;
    got.messages.push(events === undefined ? parseMessage(json, what) : (events.messages(e, span.messagesJson, what)[index] as Message));
    got.sizes.push(json.length);
  }
  return got;
}

/**
 * Random access to the messages of a snapshot, decoding only what is asked for (one chunk is
 * kept decoded). For scans that stop early: safe cuts and the `maxMessages` cap.
 */
export function messageAt(tx: ReadTxn, sid: number, snap: Snapshot): (pos: number) => Message {
  const sealed = sealedEnd(snap);
  let cached: { from: number; messages: Message[] } | undefined;
  return (pos) => {
    if (pos < snap.projection.start || pos >= snap.projection.next) corrupt(`message ${pos} is not visible`);
    if (pos >= sealed) {
      for (let i = snap.tail.length - 1; i >= 0; i--) {
        const span = messageSpan(snap.tail[i] as LogEvent);
        if (span !== undefined && pos >= span.from && pos < span.to) return parseMessage(span.messagesJson[pos - span.from] ?? '', () => `message ${pos} of session #${sid}`);
      }
      return corrupt(`message ${pos} of session #${sid} is missing`);
    }
    const key = chunkPosition(snap.projection.regions, pos);
    if (cached === undefined || key < cached.from || key >= cached.from + cached.messages.length) {
      cached = undefined;
      for (const e of tx.range('chunks', { low: chunkKey(sid, 0), high: chunkKey(sid, key + 1), reverse: true, limit: 1 })) {
        const from = keyNumber(e.key, 1, 'chunks');
        cached = { from, messages: decodeChunk(e.value, () => `chunk ${from} of session #${sid}`) };
      }
      if (cached === undefined || key >= cached.from + cached.messages.length) corrupt(`no chunk holds message ${pos} of session #${sid}`);
    }
    return cached.messages[key - cached.from] ?? corrupt(`no chunk holds message ${pos} of session #${sid}`);
  };
}

/** Reads the chunks holding key positions [start, end) (one region) into `got` (with a cache: its own objects). */
function readChunks(tx: ReadTxn, sid: number, start: number, end: number, got: Gathered, cache: ChunkCache | undefined): void {
  const take = (chunk: CachedChunk, from: number, lo: number, hi: number): void => {
    for (let p = lo; p < hi; p++) {
      got.messages.push(chunk.messages[p - from] as Message);
      got.sizes.push(chunk.sizes[p - from] as number);
    }
  };
  const cached = cache?.covering(sid, start, end);
  if (cached !== undefined) {
    for (const chunk of cached) take(chunk, chunk.from, Math.max(start, chunk.from), Math.min(end, chunk.from + chunk.messages.length));
    return;
  }
  let first: number | undefined;
  for (const e of tx.range('chunks', { low: chunkKey(sid, 0), high: chunkKey(sid, start + 1), reverse: true, limit: 1, keysOnly: true })) {
    first = keyNumber(e.key, 1, 'chunks');
  }
  if (first === undefined) corrupt(`no chunk holds message ${start} of session #${sid}`);
  let pos = start;
  // With a cache, only the keys are walked; a chunk's bytes are fetched when it is not cached.
  for (const e of tx.range('chunks', { low: chunkKey(sid, first), high: chunkKey(sid, end), keysOnly: cache !== undefined })) {
    const from = keyNumber(e.key, 1, 'chunks');
    if (from > pos) corrupt(`messages ${pos}..${from - 1} of session #${sid} are in no chunk`);
    let chunk = cache?.entry(sid, from);
    if (chunk === undefined) {
      const bytes = cache === undefined ? e.value : tx.get('chunks', e.key);
      if (bytes === undefined) return corrupt(`chunk ${from} of session #${sid} vanished`);
      // Held by the size of its JSON, not of its compressed bytes: the caches bound memory.
      const decoded = decodeChunkSized(bytes, () => `chunk ${from} of session #${sid}`);
      chunk = { bytes: decoded.textBytes, messages: decoded.messages, sizes: decoded.sizes };
      cache?.store(sid, from, chunk);
    }
    const stop = Math.min(from + chunk.messages.length, end);
    take(chunk, from, pos, Math.max(pos, stop));
    pos = Math.max(pos, stop);
  }
  if (pos < end) corrupt(`messages ${pos}..${end - 1} of session #${sid} are in no chunk`);
}

/**
 * Where the messages placed after version `through` begin in the current history: the `next` of
 * that version, unless a later removal of the newest messages gave lower positions to newer
 * messages. Reads the events after `through` only when the session had such a removal since.
 */
export function placedAfter(tx: ReadTxn, head: HeadRecord, through: number, nextAtThrough: number): number {
  const boundary = Math.min(nextAtThrough, head.next);
  return Math.min(boundary, lowestRewind(tx, head, through, head.version) ?? boundary);
}

/**
 * The lowest position a removal of the newest messages gave away in versions (after, upTo], or
 * undefined when none did. The head records the newest such removal (`lastRemoval`): no event
 * after it rewinds, so only (after, lastRemoval] is read, and nothing when it is at or before
 * `after` (GC keeps it right: what it collects is at or before the base, which `after` is not below).
 */
export function lowestRewind(tx: ReadTxn, head: HeadRecord, after: number, upTo: number): number | undefined {
  const last = Math.min(upTo, head.lastRemoval ?? 0);
  let lowest: number | undefined;
  if (last <= after) return lowest;
  for (const e of readEventRange(tx, head.sid, after, last)) {
    const rw = rewindOf(e);
    if (rw !== undefined && (lowest === undefined || rw.from < lowest)) lowest = rw.from;
  }
  return lowest;
}
