import { decodeNumber, encodeCheckpoint, encodeChunk, encodeEvent, encodeHead, encodeNumber, encodeState } from '../core/codec.js';
import type { HeadRecord, StateRecord } from '../core/codec.js';
import type { StoredEvent } from '../core/events.js';
import { checkpointKey, chunkKey, dirKey, eventIdKey, eventKey, META_NEXT_SID, recentKey, sidKey } from '../core/layout.js';
import { applyEvent, PROJECTION_FORMAT } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import { TurnlogError } from '../errors.js';
import type { WriteResult } from '../types.js';
import type { WriteTxn } from '../storage/backend.js';
import { checkpointAtOrBefore, findHead, readEventRange, readState } from './reader.js';
import { bumpCounter } from './counters.js';

/** What a write call wants, minus the parts that need the session's current state. */
export type EventDraft = Omit<StoredEvent, 'v' | 'at' | 'id' | 'f'>;

/** Builds the event from the session as it is inside the write transaction; may throw before any write. */
export type DraftBuilder = (ctx: { tx: WriteTxn; head: HeadRecord | undefined }) => EventDraft;

export interface WriteRequest {
  key: string;
  expectedVersion: number | undefined;
  eventId: string | undefined;
  build: DraftBuilder;
}

export interface WriterConfig {
  clock: () => number;
  checkpointEvery: number;
  chunkBytes: number;
}

export type WriteOutcome = { ok: true; result: WriteResult } | { ok: false; error: TurnlogError };

/**
 * Runs inside the backend's write transaction. Phase 1 reads and decides (and may fail); phase 2
 * only writes. That order matters: a backend may be unable to undo writes of a failed callback.
 */
export function applyWrite(tx: WriteTxn, req: WriteRequest, cfg: WriterConfig): WriteOutcome {
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
  const at = cfg.clock();
  const event: StoredEvent = { ...draft, v: actual + 1, at };
  if (req.eventId !== undefined) event.id = req.eventId;
  if (draft.m !== undefined) event.f = head?.next ?? 0;

  const isNew = head === undefined;
  const sid = head?.sid ?? nextSid(tx);
  const checkpointDue = event.v - (head?.cp ?? 0) >= cfg.checkpointEvery;
  const touchesState = event.t === 'summary.set' || event.t === 'metadata.updated';
  const before: Projection = {
    version: actual,
    start: head?.start ?? 0,
    next: head?.next ?? 0,
    createdAt: head?.createdAt ?? 0,
    updatedAt: head?.updatedAt ?? 0,
    summary: '',
    metadata: {},
  };
  // Summary and metadata are only loaded when the event or a checkpoint needs them, so a plain
  // append never reads or rewrites them.
  if (head !== undefined && (touchesState || checkpointDue)) {
    const state = readState(tx, sid);
    before.summary = state.summary;
    before.metadata = JSON.parse(state.metadata) as Record<string, unknown>;
  }
  const after = applyEvent(before, event);
  const seal = checkpointDue ? sealPlan(tx, head, sid, after, event, cfg.chunkBytes) : undefined;

  // ---- phase 2: write
  if (isNew) {
    tx.put('meta', META_NEXT_SID, encodeNumber(sid + 1));
    tx.put('dir', dirKey(req.key), encodeNumber(sid));
    bumpCounter(tx, 'sessions', 1);
  }
  bumpCounter(tx, 'events', 1);
  tx.put('events', eventKey(sid, event.v), encodeEvent(event));
  if (req.eventId !== undefined) tx.put('eventIds', eventIdKey(sid, req.eventId), encodeNumber(event.v));
  if (touchesState) {
    const state: StateRecord = { summary: after.summary, metadata: JSON.stringify(after.metadata) };
    tx.put('state', sidKey(sid), encodeState(state));
  }
  if (head !== undefined) tx.del('recent', recentKey(head.updatedAt, sid));
  tx.put('recent', recentKey(at, sid), new Uint8Array(0));
  let cp = head?.cp ?? 0;
  if (seal !== undefined) {
    for (const chunk of seal.chunks) tx.put('chunks', chunkKey(sid, chunk.from), encodeChunk(chunk.messages));
    tx.put('checkpoints', checkpointKey(sid, event.v), encodeCheckpoint({ pf: PROJECTION_FORMAT, projection: after }));
    cp = event.v;
  }
  const newHead: HeadRecord = {
    key: req.key,
    sid,
    version: event.v,
    start: after.start,
    next: after.next,
    createdAt: after.createdAt,
    updatedAt: after.updatedAt,
    cp,
  };
  tx.put('heads', sidKey(sid), encodeHead(newHead));
  return { ok: true, result: { version: event.v } };
}

function nextSid(tx: WriteTxn): number {
  const raw = tx.get('meta', META_NEXT_SID);
  return raw === undefined ? 1 : decodeNumber(raw, 'sid counter');
}

interface SealPlan {
  chunks: Array<{ from: number; messages: string[] }>;
}

/**
 * A checkpoint at this event must make every visible position a chunk holds: the positions
 * added since the previous checkpoint that are still visible are copied (as JSON text, not
 * re-encoded) from the tail events into chunks of at most `chunkBytes`.
 */
function sealPlan(tx: WriteTxn, head: HeadRecord | undefined, sid: number, after: Projection, event: StoredEvent, chunkBytes: number): SealPlan {
  const prev = head === undefined ? undefined : checkpointAtOrBefore(tx, head, head.version);
  const prevNext = prev?.projection.next ?? 0;
  const tail = head === undefined ? [] : readEventRange(tx, sid, prev?.projection.version ?? 0, head.version);
  tail.push(event);
  const from = Math.max(after.start, prevNext);
  const chunks: SealPlan['chunks'] = [];
  let current: { from: number; messages: string[] } | undefined;
  let bytes = 0;
  for (const e of tail) {
    if (e.m === undefined || e.f === undefined) continue;
    for (let i = 0; i < e.m.length; i++) {
      const pos = e.f + i;
      if (pos < from || pos >= after.next) continue;
      const json = e.m[i] as string;
      if (current === undefined || bytes + json.length > chunkBytes) {
        current = { from: pos, messages: [] };
        chunks.push(current);
        bytes = 0;
      }
      current.messages.push(json);
      bytes += json.length;
    }
  }
  return { chunks };
}
