import { TurnlogError, corrupt, invalid } from '../errors.js';
import { decodeEvent } from '../core/codec.js';
import { parseMessage } from '../core/codec-json.js';
import type { LogEvent } from '../core/events.js';
import { decodeCursor, encodeCursor } from '../core/list-cursor.js';
import type { Projection } from '../core/projection.js';
import { LIST_SCAN_LIMIT } from '../engine/listing.js';
import { toPublicEvent } from '../engine/public-events.js';
import { replayStep } from '../engine/replay.js';
import type { ReplayStep } from '../engine/replay.js';
import type { KeptEventId } from '../engine/session-reads.js';
import type { ListOptions, Message, SessionEvent, SessionInfo, SessionPage } from '../types.js';
import type { PgHead } from './pg-rows.js';
import { bytes, float, headOf, int, parseJsonColumn, text } from './pg-rows.js';
import type { PgSession } from './pg-session.js';

/** Events per round trip of readEvents and replay: a long read is many short statements. */
const EVENT_PAGE = 256;
/** Events of a sized page's first statement (see eventRows). */
const FIRST_SIZED_PAGE = 8;

function pruned(key: string, version: number, base: number): never {
  throw new TurnlogError('PRUNED', `version ${version} of ${JSON.stringify(key)} was garbage-collected; the oldest readable is ${base}`, { oldestReadable: base });
}

/** The version rules every read shares: past the newest is INVALID_ARGUMENT, before the base PRUNED. */
function checkVersion(key: string, head: PgHead, version: number): void {
  if (version > head.version) invalid(`${JSON.stringify(key)} has no version ${version} (it is at ${head.version})`);
  if (version < head.base) pruned(key, version, head.base);
}

/** The visible messages at `atVersion`, newest `last` only: one statement. */
export async function pgHistory(pg: PgSession, key: string, atVersion: number | undefined, last: number | undefined): Promise<Message[]> {
  return (await pgHistoryOf(pg, key, atVersion, last)).messages;
}

/** The history with the head it was read with (undefined: no session), for callers that check which session they read. */
export async function pgHistoryOf(pg: PgSession, key: string, atVersion: number | undefined, last: number | undefined): Promise<{ head: PgHead | undefined; messages: Message[] }> {
  const rows = await pg.query('history', [pg.skey(key), atVersion ?? null, last ?? null]);
  const first = rows[0];
  if (first === undefined) {
    pg.remember(key, undefined);
    return { head: undefined, messages: [] };
  }
  const head = headOf(first);
  return { head, messages: historyRows(pg, key, head, first, atVersion, last) };
}

/** The messages a `history` (or `view`) row holds, checked against its head; see pgHistoryOf. */
export function historyRows(pg: PgSession, key: string, head: PgHead, first: Record<string, unknown>, atVersion: number | undefined, last: number | undefined): Message[] {
  pg.remember(key, head);
  const version = atVersion ?? head.version;
  // Version 0 (before the first event) is empty on every store, whatever GC collected since.
  if (version === 0) return [];
  checkVersion(key, head, version);
  if (last === 0) return [];
  const start = atVersion === undefined ? head.start : int(first, 'r_start');
  const next = atVersion === undefined ? head.next : int(first, 'r_next');
  if (atVersion !== undefined && first['r_found'] !== true) corrupt(`event ${version} of ${JSON.stringify(key)} is missing`);
  const from = last === undefined ? start : Math.max(start, next - last);
  return placed(key, first, from, next);
}

/**
 * Positions [from, to) of the history at `version` (clamped to its range): a part of what
 * pgHistoryOf reads, checked the same way, for a check that reads a long history in parts.
 */
export async function pgHistoryPart(pg: PgSession, key: string, version: number, from: number, to: number): Promise<{ head: PgHead | undefined; messages: Message[] }> {
  const rows = await pg.query('historyRange', [pg.skey(key), version, from, to]);
  const first = rows[0];
  if (first === undefined) {
    pg.remember(key, undefined);
    return { head: undefined, messages: [] };
  }
  const head = headOf(first);
  pg.remember(key, head);
  checkVersion(key, head, version);
  if (first['r_found'] !== true) corrupt(`event ${version} of ${JSON.stringify(key)} is missing`);
  const lo = Math.max(from, int(first, 'r_start'));
  return { head, messages: placed(key, first, lo, Math.max(lo, Math.min(to, int(first, 'r_next')))) };
}

/** The messages of positions [from, next) a `history` row holds: each exactly once, each a JSON object. */
function placed(key: string, first: Record<string, unknown>, from: number, next: number): Message[] {
  const n = first['n'] === null || first['n'] === undefined ? 0 : int(first, 'n');
  if (n !== next - from) corrupt(`messages ${from}..${next - 1} of ${JSON.stringify(key)} are missing (${n} found)`);
  if (n === 0) return [];
  const parsed = parseJsonColumn(first, 'json');
  const positions = text(first, 'positions').split(',').map(Number);
  if (!Array.isArray(parsed) || parsed.length !== n || positions.length !== n) corrupt(`messages of ${JSON.stringify(key)} are damaged`);
  const out = new Array<Message>(n);
  // One row per position (DISTINCT ON) and n of them: each position in [from, next) exactly once.
  for (let i = 0; i < n; i++) {
    const pos = positions[i] as number;
    const m = parsed[i] as unknown;
    if (!Number.isSafeInteger(pos) || pos < from || pos >= next || out[pos - from] !== undefined) corrupt(`message ${pos} of ${JSON.stringify(key)} is missing or repeated`);
    if (typeof m !== 'object' || m === null || Array.isArray(m)) corrupt(`message ${pos} of ${JSON.stringify(key)} is not a JSON object`);
    out[pos - from] = m as Message;
  }
  return out;
}


/** The state at `atVersion` (default current): one statement. */
export async function pgState(pg: PgSession, key: string, atVersion: number | undefined): Promise<SessionInfo | undefined> {
  return (await pgStateAt(pg, key, atVersion))?.info;
}

/** The state at `atVersion` and the first visible position then (replay and verify start from it). */
export async function pgStateAt(pg: PgSession, key: string, atVersion: number | undefined): Promise<{ info: SessionInfo; start: number; head: PgHead } | undefined> {
  const rows = await pg.query('state', [pg.skey(key), atVersion ?? null]);
  const row = rows[0];
  return row === undefined ? undefined : stateOfRow(pg, key, row, atVersion);
}

/** The state a `state` (or `view`) row holds; see pgStateAt. */
export function stateOfRow(pg: PgSession, key: string, row: Record<string, unknown>, atVersion: number | undefined): { info: SessionInfo; start: number; head: PgHead } | undefined {
  const head = headOf(row);
  const version = atVersion ?? head.version;
  if (version === 0) return undefined;
  checkVersion(key, head, version);
  if (version === head.version) {
    pg.remember(key, head);
    const info = { key, version, messageCount: head.next - head.start, createdAt: head.createdAt, updatedAt: head.updatedAt, summary: parseJsonColumn(row, 'summary') as string, metadata: parseJsonColumn(row, 'metadata') as Record<string, unknown> };
    return { info, start: head.start, head };
  }
  if (row['r_found'] !== true) corrupt(`event ${version} of ${JSON.stringify(key)} is missing`);
  const summary = row['r_summary'] === null ? '' : (parseJsonColumn(row, 'r_summary') as string);
  const metadata = row['r_metadata'] === null ? {} : (parseJsonColumn(row, 'r_metadata') as Record<string, unknown>);
  const start = int(row, 'r_start');
  return { info: { key, version, messageCount: int(row, 'r_next') - start, createdAt: head.createdAt, updatedAt: float(row, 'r_updated_at'), summary, metadata }, start, head };
}

/**
 * A listSessions page, newest first, in one statement: like the key-value store, at most
 * LIST_SCAN_LIMIT sessions (or limit + 1) are examined per call, so a rare prefix returns a
 * short page with a cursor rather than scanning every session.
 */
export async function pgList(pg: PgSession, o: ListOptions & { limit: number }): Promise<SessionPage> {
  const [hiTime, hiSid] = o.cursor === undefined ? [Number.MAX_VALUE, Number.MAX_SAFE_INTEGER] : decodeCursor(o.cursor);
  const scanMax = Math.max(LIST_SCAN_LIMIT, o.limit + 1);
  const prefix = Buffer.from(o.prefix ?? '', 'utf8');
  const rows = await pg.query('list', [hiTime, hiSid, o.prefix === undefined ? o.limit + 1 : scanMax, prefix]);
  const sessions: SessionInfo[] = [];
  let lastReturned: [number, number] | undefined;
  for (const row of rows) {
    const position: [number, number] = [float(row, 'updated_at'), int(row, 'sid')];
    if (row['match'] === true) {
      if (sessions.length === o.limit && lastReturned !== undefined) return { sessions, cursor: encodeCursor(lastReturned) };
      sessions.push({
        key: bytes(row, 'key').toString('utf8'),
        version: int(row, 'version'),
        messageCount: int(row, 'next') - int(row, 'start'),
        createdAt: float(row, 'created_at'),
        updatedAt: position[0],
        summary: parseJsonColumn(row, 'summary') as string,
        metadata: parseJsonColumn(row, 'metadata') as Record<string, unknown>,
      });
      lastReturned = position;
    }
  }
  const last = rows[rows.length - 1];
  if (o.prefix !== undefined && rows.length === scanMax && last !== undefined) return { sessions, cursor: encodeCursor([float(last, 'updated_at'), int(last, 'sid')]) };
  return { sessions };
}

/** The stored events `from`..`to` of the session numbered `sid`, one statement per page; checks it is still that session. */
/** A stored event with the range and recency its row records for right after it (verify compares them with the fold). */
export interface EventRow {
  event: LogEvent;
  /** SHA-256 of the messages the event placed, as recorded when it was written (none: it placed none). */
  digest: Buffer | undefined;
  start: number;
  next: number;
  updatedAt: number;
}

export async function* eventPages(pg: PgSession, key: string, sid: number | undefined, from: number, to: number): AsyncGenerator<LogEvent> {
  for await (const row of eventRows(pg, key, sid, from, to)) yield row.event;
}

/**
 * The stored events `from`..`to` with their rows' ranges; see eventPages. Pages of EVENT_PAGE
 * events, or with `messagesPerPage`, pages sized from the previous one's messages to about that
 * many (at least one event): the driver parses a page's rows as they arrive, without the event
 * loop running between them, so a page of events placing thousands of messages each would hold
 * it for as long.
 */
export async function* eventRows(pg: PgSession, key: string, sid: number | undefined, from: number, to: number, messagesPerPage?: number): AsyncGenerator<EventRow> {
  let size = messagesPerPage === undefined ? EVENT_PAGE : FIRST_SIZED_PAGE;
  for (let v = from; v <= to; ) {
    const upTo = Math.min(to, v + size - 1);
    const rows = await pg.query('events', [pg.skey(key), v, upTo]);
    const first = rows[0];
    if (first === undefined || (sid !== undefined && int(first, 'sid') !== sid)) throw new TurnlogError('NOT_FOUND', `session ${JSON.stringify(key)} was deleted while it was being read`);
    sid = int(first, 'sid');
    const base = int(first, 'base');
    if (v - 1 < base) pruned(key, v - 1, base);
    let expect = v;
    let placed = 0;
    for (const row of rows) {
      if (row['version'] === null) continue;
      const stored = decodeEvent(bytes(row, 'body'), () => `event ${expect} of ${JSON.stringify(key)}`);
      if (stored.version !== expect || int(row, 'version') !== expect) corrupt(`event ${expect} of ${JSON.stringify(key)} is missing`);
      const messages = row['messages'];
      if (!Array.isArray(messages)) corrupt(`messages of event ${expect} of ${JSON.stringify(key)} are damaged`);
      placed += messages.length;
      if (stored.type === 'messages.added' || stored.type === 'history.replaced' || stored.type === 'messages.replaced' || stored.type === 'session.forked') {
        stored.messagesJson = messages as string[];
      }
      expect++;
      yield { event: stored, digest: row['placed_digest'] === null ? undefined : bytes(row, 'placed_digest'), start: int(row, 'start'), next: int(row, 'next'), updatedAt: float(row, 'updated_at') };
    }
    if (expect !== upTo + 1) corrupt(`events ${expect}..${upTo} of ${JSON.stringify(key)} are missing`);
    if (messagesPerPage !== undefined) size = Math.max(1, Math.min(EVENT_PAGE, Math.floor((messagesPerPage * (upTo - v + 1)) / Math.max(1, placed))));
    v = upTo + 1;
  }
}

/** The range a log read covers, as the key-value store computes it (see session-reads.ts). */
async function range(pg: PgSession, key: string, from: number | undefined, to: number | undefined): Promise<{ head: PgHead; from: number; to: number } | undefined> {
  const rows = await pg.query('headVersion', [pg.skey(key)]);
  const row = rows[0];
  if (row === undefined) return undefined;
  const head = headOf(row);
  if (from !== undefined && from <= head.version && Math.max(0, from - 1) < head.base) pruned(key, Math.max(0, from - 1), head.base);
  const r = { head, from: Math.max(head.base + 1, from ?? 1), to: Math.min(to ?? head.version, head.version) };
  return r.from > r.to ? undefined : r;
}

export async function* pgEvents(pg: PgSession, key: string, from: number | undefined, to: number | undefined): AsyncGenerator<SessionEvent> {
  const r = await range(pg, key, from, to);
  if (r === undefined) return;
  for await (const e of eventPages(pg, key, r.head.sid, r.from, r.to)) yield toPublicEvent(e);
}

/** Replay: the state at the version before the range, then the shared pure step per event. */
export async function* pgReplay(pg: PgSession, key: string, from: number | undefined, to: number | undefined): AsyncGenerator<ReplayStep> {
  const r = await range(pg, key, from, to);
  if (r === undefined) return;
  const startAt = r.from - 1;
  const state = startAt === 0 ? undefined : await pgStateAt(pg, key, startAt);
  // A second statement: if GC or a deletion ran in between, this is PRUNED or the pages' NOT_FOUND.
  const visible = state === undefined ? [] : await pgHistory(pg, key, startAt, undefined);
  if (state !== undefined && visible.length !== state.info.messageCount) throw new TurnlogError('NOT_FOUND', `session ${JSON.stringify(key)} was deleted while it was being read`);
  const start = state?.start ?? 0;
  let projection: Projection =
    state === undefined
      ? { version: 0, start: 0, next: 0, createdAt: 0, updatedAt: 0, summary: '', metadata: {} }
      : { version: startAt, start, next: start + visible.length, createdAt: state.info.createdAt, updatedAt: state.info.updatedAt, summary: state.info.summary, metadata: state.info.metadata };
  let byPos = new Map<number, Message>(visible.map((m, i) => [start + i, m]));
  for await (const stored of eventPages(pg, key, r.head.sid, r.from, r.to)) {
    const step = replayStep(projection, byPos, stored);
    projection = step.projection;
    byPos = step.byPos;
    yield step.step;
  }
}

export async function pgEventIds(pg: PgSession, key: string): Promise<KeptEventId[]> {
  const rows = await pg.query('eventIds', [pg.skey(key)]);
  return rows.map((row) => {
    const fp = row['fingerprint'];
    const out: KeptEventId = { digest: bytes(row, 'digest').toString('hex'), version: int(row, 'version') };
    if (typeof fp === 'string') out.fingerprint = fp;
    return out;
  });
}
