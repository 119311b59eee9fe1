import { decodeNumber, encodeCheckpoint, encodeEvent, encodeHead, encodeNumber, encodeState } from '../core/codec.js';
import type { HeadRecord, StateRecord } from '../core/codec.js';
import type { StoredEvent } from '../core/events.js';
import { capCut } from '../core/gc-plan.js';
import { checkpointKey, chunkKey, dirKey, eventIdKey, eventKey, gcqKey, META_NEXT_SID, recentKey, sidKey } from '../core/layout.js';
import { applyEvent, PROJECTION_FORMAT } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import { TurnlogError } from '../errors.js';
import type { WriteResult } from '../types.js';
import type { WriteTxn } from '../storage/backend.js';
import type { Counts } from './counters.js';
import { checkpointAtOrBefore, decodeRawEvents, findHead, messageAt, readState } from './reader.js';
import { sealPlan } from './checkpoint.js';
import type { SealPlan } from './checkpoint.js';

/** What a write call wants, minus the parts that need the session's current state. */
export type EventDraft = Omit<StoredEvent, 'v' | 'at' | 'id' | 'f'>;

/** Builds the event from the session as it is inside the write transaction; may throw before any write. */
export type DraftBuilder = (ctx: { tx: WriteTxn; head: HeadRecord | undefined }) => EventDraft;

export interface WriteRequest {
  key: string;
  expectedVersion: number | undefined;
  eventId: string | undefined;
  /** Explicit timestamp; the clock's otherwise. */
  at: number | undefined;
  build: DraftBuilder;
}

export interface WriterConfig {
  clock: () => number;
  checkpointEvery: number;
  chunkBytes: number;
  /** Cap on visible messages (Infinity: none). */
  maxMessages: number;
}

export type WriteOutcome = { ok: true; result: WriteResult } | { ok: false; error: TurnlogError };

/**
 * Runs inside the backend's write transaction. Phase 1 reads and decides (and may fail); phase 2
 * only writes. That order matters: several writes share a transaction, and one that fails must
 * leave nothing behind. The store-wide counters are not written here: the changes go into
 * `counts`, which the caller writes once per transaction.
 */
export function applyWrite(tx: WriteTxn, req: WriteRequest, cfg: WriterConfig, counts: Counts): WriteOutcome {
  // ---- phase 1: read and decide
  const head = findHead(tx, req.key);
  if (head !== undefined && req.eventId !== undefined) {
    const seen = tx.get('eventIds', eventIdKey(head.sid, req.eventId));
    if (seen !== undefined) return { ok: true, result: { version: decodeNumber(seen, 'event id'), duplicate: true } };
  }
  const actual = head?.version ?? 0;
  if (req.expectedVersion !== undefined && req.expectedVersion !== actual) {
    return {
      ok: false,
      error: new TurnlogError('CONFLICT', `${JSON.stringify(req.key)} is at version ${actual}, not ${req.expectedVersion}`, {
        expected: req.expectedVersion,
        actual,
      }),
    };
  }
  let draft: EventDraft;
  try {
    draft = req.build({ tx, head });
  } catch (error) {
    if (error instanceof TurnlogError) return { ok: false, error };
    throw error;
  }
  const at = req.at ?? cfg.clock();
  const event: StoredEvent = { ...draft, v: actual + 1, at };
  if (req.eventId !== undefined) event.id = req.eventId;
  if (draft.m !== undefined) event.f = head?.next ?? 0;

  const sid = head?.sid ?? nextSid(tx);
  const before: Projection = {
    version: actual,
    start: head?.start ?? 0,
    next: head?.next ?? 0,
    createdAt: head?.createdAt ?? 0,
    updatedAt: head?.updatedAt ?? 0,
    summary: '',
    metadata: {},
  };
  const events = [event];
  let after = applyEvent(before, event);
  const capped = capEvent(tx, head, sid, after, event, cfg);
  if (capped !== undefined) {
    events.push(capped);
    after = applyEvent(after, capped);
  }
  const checkpointDue = after.version - (head?.cp ?? 0) >= cfg.checkpointEvery;
  const touchesState = event.t === 'summary.set' || event.t === 'metadata.updated';
  // Summary and metadata are only loaded when the event or a checkpoint needs them, so a plain
  // append never reads or rewrites them.
  if (head !== undefined && (touchesState || checkpointDue)) {
    const state = readState(tx, sid);
    before.summary = state.summary;
    before.metadata = JSON.parse(state.metadata) as Record<string, unknown>;
    after = events.reduce(applyEvent, before);
  }
  const encoded = events.map(encodeEvent);
  let logBytes = encoded.reduce((n, b) => n + b.byteLength, 0);
  let deadBytes = 0;
  let seal: SealPlan | undefined;
  let checkpointBytes: Uint8Array | undefined;
  if (checkpointDue) {
    seal = sealPlan(tx, head, sid, after, events, encoded, cfg.chunkBytes);
    checkpointBytes = encodeCheckpoint({ pf: PROJECTION_FORMAT, projection: after });
    logBytes += checkpointBytes.byteLength + seal.chunkBytes;
    deadBytes += seal.deadBytes;
  }

  // ---- phase 2: write
  if (head === undefined) {
    tx.put('meta', META_NEXT_SID, encodeNumber(sid + 1));
    tx.put('dir', dirKey(req.key), encodeNumber(sid));
  }
  counts.sessions += head === undefined ? 1 : 0;
  counts.events += events.length;
  counts.logBytes += logBytes;
  counts.deadBytes += deadBytes;
  events.forEach((e, i) => tx.put('events', eventKey(sid, e.v), encoded[i] as Uint8Array));
  if (req.eventId !== undefined) tx.put('eventIds', eventIdKey(sid, req.eventId), encodeNumber(event.v));
  if (touchesState) {
    const state: StateRecord = { summary: after.summary, metadata: JSON.stringify(after.metadata) };
    tx.put('state', sidKey(sid), encodeState(state));
  }
  if (head !== undefined) tx.del('recent', recentKey(head.updatedAt, sid));
  tx.put('recent', recentKey(after.updatedAt, sid), new Uint8Array(0));
  // A session with new events gets one entry in the GC review queue, from its first write on.
  let gcAt = head?.gcAt ?? 0;
  if (gcAt === 0) {
    gcAt = at;
    tx.put('gcq', gcqKey(gcAt, sid), new Uint8Array(0));
  }
  let cp = head?.cp ?? 0;
  if (seal !== undefined && checkpointBytes !== undefined) {
    for (const chunk of seal.chunks) tx.put('chunks', chunkKey(sid, chunk.from), chunk.bytes);
    tx.put('checkpoints', checkpointKey(sid, after.version), checkpointBytes);
    cp = after.version;
  }
  const newHead: HeadRecord = {
    key: req.key,
    sid,
    version: after.version,
    start: after.start,
    next: after.next,
    createdAt: after.createdAt,
    updatedAt: after.updatedAt,
    cp,
    base: head?.base ?? 0,
    gcAt,
    logBytes: (head?.logBytes ?? 0) + logBytes,
    deadBytes: (head?.deadBytes ?? 0) + deadBytes,
  };
  tx.put('heads', sidKey(sid), encodeHead(newHead));
  return { ok: true, result: { version: event.v } };
}

function nextSid(tx: WriteTxn): number {
  const raw = tx.get('meta', META_NEXT_SID);
  return raw === undefined ? 1 : decodeNumber(raw, 'sid counter');
}

/**
 * `maxMessages`: when an event leaves more visible messages than the cap, an ordinary
 * truncation event follows it in the same transaction. Only the roles from the cut onwards are
 * read, so the cost does not grow with the cap.
 */
function capEvent(tx: WriteTxn, head: HeadRecord | undefined, sid: number, after: Projection, event: StoredEvent, cfg: WriterConfig): StoredEvent | undefined {
  if (after.next - after.start <= cfg.maxMessages || event.m === undefined) return undefined;
  const base = head === undefined ? undefined : checkpointAtOrBefore(tx, head, head.version);
  const tail = head === undefined ? [] : decodeRawEvents(tx, sid, base?.projection.version ?? 0, head.version).map((r) => r.event);
  const at = messageAt(tx, sid, { projection: after, base, tail: [...tail, event] });
  const st = capCut(after.start, after.next, cfg.maxMessages, (pos) => at(pos).role) as number;
  return { v: event.v + 1, at: event.at, t: 'history.truncated', k: cfg.maxMessages, sf: true, st };
}

