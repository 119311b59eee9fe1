import { decodeEventIdEntry, decodeNumber, encodeCheckpoint, encodeEvent, encodeEventIdEntry, encodeHead, encodeNumber, encodeRecentEntry, encodeState } from '../core/codec.js';
import type { HeadRecord } from '../core/codec.js';
import { completeEvent } from '../core/events.js';
import type { EventDraft, LogEvent } from '../core/events.js';
import { capEventAfter, decideVersion, isNoChange, mayExceedCap } from '../core/write-rules.js';
import type { RestoredId, WriteRequest } from '../core/changes.js';
import { kvDraft } from './kv-drafts.js';
import { shapesAt } from '../core/message-shapes.js';
import { checkKey, checkpointKey, chunkKey, dirKey, eventIdKey, eventKey, gcqKey, META_NEXT_SID, recentKey, sidKey } from '../core/layout.js';
import type { Key, Table } from '../core/layout.js';
import { applyEvent, PROJECTION_FORMAT } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import { TurnlogError } from '../errors.js';
import type { Message, SessionInfo, WriteResult } from '../types.js';
import type { WriteTxn } from '../storage/backend.js';
import type { Decision } from './group-commit.js';
import type { BatchContext } from './write-batch.js';
import { checkpointAtOrBefore, decodeRawEvents, findHead, messageAt, readState } from './reader.js';
import { sealPlan } from './checkpoint.js';
import type { SealPlan } from './checkpoint.js';

export type { EventDraft, WriteRequest, RestoredId };

/** What a write resolves to inside the store: the result, and for a removal what it removed. */
export interface WriteOutcome extends WriteResult {
  /** The messages a removal or replacement of the newest messages took out (not for a duplicate). */
  removed?: Message[];
}

/**
 * What a committed write leaves a session at, for this process's cache of session states
 * (info-cache.ts): the whole state when the write had it in hand (a new session, a summary or
 * metadata change, a checkpoint), else the fields an append changes, to move a cached state
 * of the version before on.
 */
export interface WrittenState {
  sid: number;
  /** The session's version before the write. */
  before: number;
  version: number;
  messageCount: number;
  updatedAt: number;
  info?: SessionInfo;
  /** Stored bytes of the state `info` stands for (its state record, or the checkpoint that holds it). */
  infoBytes: number;
  /** The events the write stored, as stored (for this process's cache of tail events). */
  events: Uint8Array[];
}

export interface WriterConfig {
  checkpointEvery: number;
  chunkBytes: number;
  /** Cap on visible messages (Infinity: none). */
  maxMessages: number;
}

/** One write the decide phase planned: the apply phase only carries these out. */
type Op = { put: true; table: Table; key: Key; value: Uint8Array } | { put: false; table: Table; key: Key };

/**
 * Runs inside the backend's write transaction. The decide phase reads, checks and encodes every
 * key and value (and may fail: the change then fails alone, having written nothing); the apply
 * phase it returns only carries out the planned puts and deletes. Several writes share a
 * transaction, so a write must never fail half-way. The store-wide counters are not written
 * here: the changes go into `counts`, which the caller writes once per transaction.
 */
export function decideWrite({ tx, counts }: BatchContext, req: WriteRequest, cfg: WriterConfig): Decision<WriteOutcome & { written?: WrittenState }> {
  const head = findHead(tx, req.key);
  const seenRaw = head === undefined || req.eventId === undefined ? undefined : tx.get('eventIds', eventIdKey(head.sid, req.eventId));
  const seen = seenRaw === undefined ? undefined : decodeEventIdEntry(seenRaw, () => `event id ${JSON.stringify(req.eventId)} of session #${head?.sid}`);
  const actual = head?.version ?? 0;
  const decision = decideVersion(req, actual, seen);
  if (decision.duplicate) return { value: { version: decision.version, duplicate: true }, apply: () => undefined };
  const { draft, removed } = kvDraft(tx, head, req.change, req.restored?.start);
  // A change that changes nothing (an empty append, a removal of nothing) is recorded only with
  // an eventId, so that its retry is recognised; without one it writes nothing.
  if (req.eventId === undefined && isNoChange(draft)) return { value: { version: actual, ...(removed === undefined ? {} : { removed }) }, apply: () => undefined };
  // Checked (finite, in a Date's range, -0 as 0) when the request was prepared, before the transaction.
  const at = req.at;
  const event = completeEvent(draft, actual + 1, at, req.eventId, head?.next ?? 0);

  const sid = head?.sid ?? nextSid(tx);
  const before: Projection = {
    version: actual,
    start: head?.start ?? 0,
    next: head?.next ?? 0,
    createdAt: head?.createdAt ?? 0,
    updatedAt: head?.updatedAt ?? 0,
    summary: '',
    metadata: {},
    ...(head?.regions === undefined ? {} : { regions: head.regions }),
  };
  const events = [event];
  let after = applyEvent(before, event);
  const capped = req.restored === undefined ? capEvent(tx, head, sid, after, event, cfg) : undefined;
  if (capped !== undefined) {
    events.push(capped);
    after = applyEvent(after, capped);
  }
  const checkpointDue = after.version - (head?.cp ?? 0) >= cfg.checkpointEvery;
  const touchesState = event.type === 'summary.set' || event.type === 'metadata.updated' || event.type === 'session.forked';
  // Summary and metadata are only loaded when the event or a checkpoint needs them, so a plain
  // append never reads or rewrites them.
  if (head !== undefined && (touchesState || checkpointDue)) {
    const state = readState(tx, sid);
    before.summary = state.summary;
    before.metadata = state.metadata;
    after = events.reduce(applyEvent, before);
  }
  const encoded = events.map((e) => ({ version: e.version, bytes: encodeEvent(e) }));
  let logBytes = encoded.reduce((n, e) => n + e.bytes.byteLength, 0);
  let deadBytes = 0;
  const ops: Op[] = [];
  const dropped = new Set<number>();
  const put = (table: Table, key: Key, value: Uint8Array): void => void ops.push({ put: true, table, key: checkKey(table, key), value });
  if (head === undefined) {
    put('meta', META_NEXT_SID, encodeNumber(sid + 1));
    put('dir', dirKey(req.key), encodeNumber(sid));
  }
  // Where each event's put is among the ops: a checkpoint below may store them in a pack instead.
  const eventOps = encoded.map((e) => ops.push({ put: true, table: 'events', key: checkKey('events', eventKey(sid, e.version)), value: e.bytes }) - 1);
  if (req.eventId !== undefined) put('eventIds', eventIdKey(sid, req.eventId), encodeEventIdEntry({ version: event.version, fingerprint: req.fingerprint }));
  for (const id of req.restored?.ids ?? []) {
    if (tx.get('eventIds', [sid, id.digest]) === undefined) put('eventIds', [sid, id.digest], encodeEventIdEntry(id.fingerprint === undefined ? { version: id.version } : { version: id.version, fingerprint: id.fingerprint }));
  }
  let infoBytes = 0;
  if (touchesState) {
    const stateBytes = encodeState({ summary: after.summary, metadata: after.metadata });
    infoBytes = stateBytes.byteLength;
    put('state', sidKey(sid), stateBytes);
  }
  if (head !== undefined) ops.push({ put: false, table: 'recent', key: recentKey(head.updatedAt, sid) });
  put('recent', recentKey(after.updatedAt, sid), encodeRecentEntry(after.version));
  // A session with new events gets one entry in the GC review queue, from its first write on.
  let gcAt = head?.gcAt ?? 0;
  if (gcAt === 0) {
    gcAt = at;
    put('gcq', gcqKey(gcAt, sid), new Uint8Array(0));
  }
  let cp = head?.cp ?? 0;
  if (checkpointDue) {
    const seal: SealPlan = sealPlan(tx, head, sid, after, events, encoded.map((e) => e.bytes), cfg.chunkBytes);
    const checkpointBytes = encodeCheckpoint({ projectionFormat: PROJECTION_FORMAT, projection: after });
    infoBytes = Math.max(infoBytes, checkpointBytes.byteLength);
    logBytes += checkpointBytes.byteLength + seal.chunkBytes;
    deadBytes += seal.deadBytes;
    for (const chunk of seal.chunks) put('chunks', chunkKey(sid, chunk.from), chunk.bytes);
    put('checkpoints', checkpointKey(sid, after.version), checkpointBytes);
    cp = after.version;
    // The events since the previous checkpoint become one row, in this same transaction: their
    // rows are deleted (a delete lets LMDB merge the pages it leaves under-full) and the fresh
    // ones never stored alone. Counted bytes follow what is stored.
    if (seal.pack !== undefined) {
      const saved = seal.pack.replacedBytes - seal.pack.bytes.byteLength;
      logBytes -= saved;
      deadBytes -= saved;
      for (const index of eventOps) dropped.add(index);
      for (const version of seal.pack.deletes) ops.push({ put: false, table: 'events', key: eventKey(sid, version) });
      put('events', eventKey(sid, after.version), seal.pack.bytes);
    }
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
    ...(after.regions === undefined ? {} : { regions: after.regions }),
  };
  const removal = event.type === 'messages.removed' || event.type === 'messages.replaced' ? event.version : head?.lastRemoval;
  if (removal !== undefined) newHead.lastRemoval = removal;
  put('heads', sidKey(sid), encodeHead(newHead));
  const delta = { sessions: head === undefined ? 1 : 0, events: events.length, logBytes, deadBytes };
  const written: WrittenState = { sid, before: actual, version: after.version, messageCount: after.next - after.start, updatedAt: after.updatedAt, infoBytes, events: encoded.map((e) => e.bytes) };
  // The summary and metadata are known here only when they were read or the session is new.
  if (head === undefined || touchesState || checkpointDue) {
    written.info = { key: req.key, version: after.version, messageCount: after.next - after.start, createdAt: after.createdAt, updatedAt: after.updatedAt, summary: after.summary, metadata: after.metadata };
  }
  return {
    value: { version: event.version, ...(removed === undefined ? {} : { removed }), written },
    apply() {
      for (const [i, op] of ops.entries()) {
        if (dropped.has(i)) continue;
        if (op.put) tx.put(op.table, op.key, op.value);
        else tx.del(op.table, op.key);
      }
      counts.sessions += delta.sessions;
      counts.events += delta.events;
      counts.logBytes += delta.logBytes;
      counts.deadBytes += delta.deadBytes;
    },
  };
}

function nextSid(tx: WriteTxn): number {
  const raw = tx.get('meta', META_NEXT_SID);
  return raw === undefined ? 1 : decodeNumber(raw, 'sid counter');
}

/**
 * `maxMessages`: when an event leaves more visible messages than the cap, an ordinary
 * truncation event follows it in the same transaction. Only the messages from the plain cut on
 * are read and classified, up to the first user turn there.
 */
function capEvent(tx: WriteTxn, head: HeadRecord | undefined, sid: number, after: Projection, event: LogEvent, cfg: WriterConfig): LogEvent | undefined {
  if (!mayExceedCap(after, event, cfg.maxMessages)) return undefined;
  const base = head === undefined ? undefined : checkpointAtOrBefore(tx, head, head.version);
  const tail = head === undefined ? [] : decodeRawEvents(tx, sid, base?.projection.version ?? 0, head.version).map((r) => r.event);
  const at = messageAt(tx, sid, { projection: after, base, tail: [...tail, event] });
  return capEventAfter(after, event, cfg.maxMessages, shapesAt(at));
}
