import { decodeCheckpoint, decodeChunk, decodeEvent, decodeHead, decodeMessage, decodeNumber, decodeState } from '../core/codec.js';
import type { CheckpointRecord, HeadRecord, StateRecord } from '../core/codec.js';
import type { StoredEvent } from '../core/events.js';
import { checkpointKey, chunkKey, dirKey, eventKey, sidKey } from '../core/layout.js';
import { emptyProjection, foldEvents, PROJECTION_FORMAT } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import { TurnlogError } from '../errors.js';
import type { Message } from '../types.js';
import type { ReadTxn } from '../storage/backend.js';

/**
 * Reads of the projection: a checkpoint plus the events after it. Never folds more than the
 * events since the newest usable checkpoint at or before the version asked for.
 */

function corrupt(message: string): never {
  throw new TurnlogError('CORRUPT', message);
}

export function findHead(tx: ReadTxn, key: string): HeadRecord | undefined {
  const raw = tx.get('dir', dirKey(key));
  if (raw === undefined) return undefined;
  const sid = decodeNumber(raw, 'directory');
  const head = headBySid(tx, sid);
  if (head === undefined) corrupt(`session ${JSON.stringify(key)} is in the directory but has no head`);
  if (head.key !== key) corrupt(`directory entry of ${JSON.stringify(key)} points at another session`);
  return head;
}

export function headBySid(tx: ReadTxn, sid: number): HeadRecord | undefined {
  const raw = tx.get('heads', sidKey(sid));
  return raw === undefined ? undefined : decodeHead(raw);
}

export function readState(tx: ReadTxn, sid: number): StateRecord {
  const raw = tx.get('state', sidKey(sid));
  return raw === undefined ? { summary: '', metadata: '{}' } : decodeState(raw);
}

/** The newest checkpoint at or before `version` that the current fold can use. */
export function checkpointAtOrBefore(tx: ReadTxn, head: HeadRecord, version: number): CheckpointRecord | undefined {
  if (head.cp > 0 && head.cp <= version) {
    const raw = tx.get('checkpoints', checkpointKey(head.sid, head.cp));
    if (raw === undefined) corrupt(`checkpoint ${head.cp} of ${JSON.stringify(head.key)} is missing`);
    const cp = decodeCheckpoint(raw);
    if (cp.pf === PROJECTION_FORMAT) return cp;
  }
  const range = tx.range('checkpoints', { low: checkpointKey(head.sid, 0), high: checkpointKey(head.sid, version + 1), reverse: true });
  for (const entry of range) {
    const cp = decodeCheckpoint(entry.value);
    if (cp.pf === PROJECTION_FORMAT) return cp;
  }
  return undefined;
}

/** Events (after, upTo] of a session; throws CORRUPT on a gap. */
export function readEventRange(tx: ReadTxn, sid: number, after: number, upTo: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  if (upTo <= after) return out;
  for (const entry of tx.range('events', { low: eventKey(sid, after + 1), high: eventKey(sid, upTo + 1) })) {
    const e = decodeEvent(entry.value);
    if (e.v !== after + out.length + 1) corrupt(`event ${after + out.length + 1} of session #${sid} is missing`);
    out.push(e);
  }
  if (out.length !== upTo - after) corrupt(`events ${after + out.length + 1}..${upTo} of session #${sid} are missing`);
  return out;
}

export interface Snapshot {
  projection: Projection;
  /** The checkpoint the projection was folded from (undefined: from the first event). */
  base: CheckpointRecord | undefined;
  /** Events after the checkpoint, up to the version read. */
  tail: StoredEvent[];
}

export function snapshotAt(tx: ReadTxn, head: HeadRecord, version: number): Snapshot {
  const base = checkpointAtOrBefore(tx, head, version);
  const from = base?.projection ?? emptyProjection();
  const tail = readEventRange(tx, head.sid, from.version, version);
  return { projection: foldEvents(from, tail), base, tail };
}

/**
 * The visible messages of a snapshot: positions below the checkpoint's `next` come from sealed
 * chunks, the rest from the tail events' payloads.
 */
export function messagesOf(tx: ReadTxn, sid: number, snap: Snapshot): Message[] {
  const { start, next } = snap.projection;
  const sealed = snap.base?.projection.next ?? 0;
  const out: Message[] = [];
  const chunkEnd = Math.min(sealed, next);
  if (start < chunkEnd) readChunks(tx, sid, start, chunkEnd, out);
  let pos = Math.max(start, sealed);
  for (const e of snap.tail) {
    if (e.m === undefined || e.f === undefined) continue;
    const end = e.f + e.m.length;
    for (let p = Math.max(pos, e.f); p < end && p < next; p++) {
      if (p !== pos) corrupt(`message ${pos} of session #${sid} is missing`);
      out.push(decodeMessage(e.m[p - e.f] as string));
      pos++;
    }
  }
  if (pos < next) corrupt(`messages ${pos}..${next - 1} of session #${sid} are missing`);
  return out;
}

function readChunks(tx: ReadTxn, sid: number, start: number, end: number, out: Message[]): void {
  let first: number | undefined;
  for (const e of tx.range('chunks', { low: chunkKey(sid, 0), high: chunkKey(sid, start + 1), reverse: true, limit: 1 })) {
    first = e.key[1] as number;
  }
  if (first === undefined) corrupt(`no chunk holds message ${start} of session #${sid}`);
  let pos = start;
  for (const e of tx.range('chunks', { low: chunkKey(sid, first), high: chunkKey(sid, end) })) {
    const from = e.key[1] as number;
    if (from > pos) corrupt(`messages ${pos}..${from - 1} of session #${sid} are in no chunk`);
    const msgs = decodeChunk(e.value);
    for (let i = pos - from; i < msgs.length && pos < end; i++, pos++) out.push(msgs[i] as Message);
  }
  if (pos < end) corrupt(`messages ${pos}..${end - 1} of session #${sid} are in no chunk`);
}
