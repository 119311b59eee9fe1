import { createHash } from 'node:crypto';
import { TurnlogError, isTurnlogError } from '../errors.js';
import type { WriteRequest } from '../core/changes.js';
import { encodeEvent } from '../core/codec.js';
import { parseMessage } from '../core/codec-json.js';
import { completeEvent, messageSpan, rewindOf } from '../core/events.js';
import type { LogEvent } from '../core/events.js';
import { classifyMessage } from '../core/message-shapes.js';
import type { MessageShape } from '../core/message-shapes.js';
import { applyEvent } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import { capEventAfter, decideVersion, draftOf, isNoChange, mayExceedCap, NO_SESSION } from '../core/write-rules.js';
import type { CutReader, SeenEventId } from '../core/write-rules.js';
import type { Message } from '../types.js';
import type { WriteOutcome } from '../engine/writer.js';
import type { PgHead } from './pg-rows.js';
import { headOf, int, optInt, parseJsonColumn, text } from './pg-rows.js';
import type { PgSession } from './pg-session.js';

/** Messages a cut reads around where it lands, and from the newest back, per round trip. */
const FIRST_WINDOW = 64;
/** A write that keeps losing the compare-and-set to other writers gives up after this many tries. */
const MAX_ATTEMPTS = 200;

/** Thrown by a CutReader when a cut looks at a message outside the fetched window: fetch more. */
class NeedMore extends Error {}

interface Fetched {
  head: PgHead | undefined;
  seen: SeenEventId | undefined;
  metadata: Record<string, unknown> | undefined;
  throughNext: number | undefined;
  throughRewind: number | undefined;
  window: Map<number, string>;
}

/**
 * One write on PostgreSQL: the pure decisions of core/write-rules.ts on the session as read, then
 * one statement that applies the rows only if the session's head is still at the version read
 * (compare-and-set on the head row, whose lock orders the session's writers on every host).
 * When the head moved on, the write reads it again and decides again. The handle remembers each
 * session's head, so a plain append is one round trip, and a cut, a `through` summary, a metadata
 * patch or a capped append two (read, then write).
 */
export async function pgWrite(pg: PgSession, req: WriteRequest, maxMessages: number): Promise<WriteOutcome> {
  const skey = pg.skey(req.key);
  const idDigest = req.eventId === undefined ? null : createHash('sha256').update(req.eventId, 'utf8').digest();
  let known = pg.heads.get(req.key);
  let slack = FIRST_WINDOW;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const read = needsRead(req, known, maxMessages);
    let fetched: Fetched | undefined;
    if (known === undefined || read !== undefined) {
      fetched = await fetch(pg, req, skey, idDigest, read ?? noWindow(req), slack);
      known = { head: fetched.head };
    }
    const head = known.head;
    const actual = head?.version ?? 0;
    let decision;
    try {
      decision = decideVersion(req, actual, fetched?.seen);
    } catch (error) {
      // A remembered head may be stale: a CONFLICT is only final on a head just read.
      if (fetched === undefined && isTurnlogError(error, 'CONFLICT')) {
        known = undefined;
        continue;
      }
      throw error;
    }
    if (decision.duplicate) return { version: decision.version, duplicate: true };
    let plan: Plan | undefined;
    try {
      plan = planWrite(req, head, fetched, maxMessages, decision.version);
    } catch (error) {
      if (!(error instanceof NeedMore)) throw error;
      // The window grows until it holds the whole visible history, where NeedMore cannot happen.
      if (head !== undefined && slack > head.next - head.start) throw new TurnlogError('CORRUPT', `messages of ${JSON.stringify(req.key)} are missing`);
      slack *= 8;
      known = undefined;
      continue;
    }
    if (plan === undefined && fetched === undefined) {
      // No statement will compare the remembered head: decide on the current one.
      known = undefined;
      continue;
    }
    if (plan === undefined) {
      // Nothing changes and no eventId to record: nothing is written.
      const removed = removedOf(req, head, fetched);
      return removed === undefined ? { version: actual } : { version: actual, removed };
    }
    const sid = await pg.apply(head === undefined ? 'create' : 'update', params(skey, pg.keyBytes(req.key), head, idDigest, req, plan));
    if (sid === undefined) {
      known = undefined; // another writer moved the head (or created the session) first
      continue;
    }
    const after = plan.after;
    const newHead: PgHead = { sid, version: after.version, start: after.start, next: after.next, createdAt: after.createdAt, updatedAt: after.updatedAt, base: head?.base ?? 0 };
    if (plan.lastRemoval !== undefined) newHead.lastRemoval = plan.lastRemoval;
    pg.remember(req.key, newHead);
    return plan.removed === undefined ? { version: plan.events[0]?.version ?? actual } : { version: plan.events[0]?.version ?? actual, removed: plan.removed };
  }
  throw new TurnlogError('IO_ERROR', `${JSON.stringify(req.key)}: ${MAX_ATTEMPTS} writes of other handles came first; nothing was written`);
}

interface Window {
  /** Positions back from `next` around which a cut lands (null: around the `through` version's boundary). */
  back: number | null;
  metadata: boolean;
  through: number | null;
}

const noWindow = (req: WriteRequest): Window => ({ back: null, metadata: req.change.type === 'metadata.updated', through: null });

/** What a write must read before it can decide, given the head it remembers (undefined: nothing). */
function needsRead(req: WriteRequest, known: { head: PgHead | undefined } | undefined, maxMessages: number): Window | undefined {
  const c = req.change;
  const head = known?.head;
  switch (c.type) {
    case 'metadata.updated':
      return { back: null, metadata: true, through: null };
    case 'history.truncated':
      return c.safe ? { back: c.keepLast, metadata: false, through: null } : undefined;
    case 'summary.set':
      return c.through === undefined || c.through === 0 ? undefined : { back: null, metadata: false, through: c.through };
    case 'rewind': {
      const added = c.messagesJson?.length ?? 0;
      return { back: maxMessages === Infinity ? c.count : Math.max(c.count, maxMessages + c.count - added), metadata: false, through: null };
    }
    case 'session.forked':
      // A new session: the head (absent) and the eventId are all it needs, and a fork is never capped.
      return undefined;
    case 'messages.added':
    case 'history.replaced': {
      if (maxMessages === Infinity || req.restored !== undefined || c.type === 'history.replaced') return undefined;
      const visible = head === undefined ? 0 : head.next - head.start;
      if (known !== undefined && visible + c.messagesJson.length <= maxMessages) return undefined;
      return { back: Math.max(0, maxMessages - c.messagesJson.length), metadata: false, through: null };
    }
  }
}

async function fetch(pg: PgSession, req: WriteRequest, skey: Buffer, idDigest: Buffer | null, w: Window, slack: number): Promise<Fetched> {
  const through = w.through;
  const rows = await pg.query('prepare', [skey, idDigest, w.metadata, through, w.back, Math.max(slack, req.change.type === 'rewind' ? req.change.count : 0)]);
  const first = rows[0];
  const out: Fetched = { head: undefined, seen: undefined, metadata: undefined, throughNext: undefined, throughRewind: undefined, window: new Map() };
  if (first === undefined) return out;
  out.head = headOf(first);
  if (first['seen'] === true) {
    const fp = first['seen_fingerprint'];
    out.seen = typeof fp === 'string' ? { version: int(first, 'seen_version'), fingerprint: fp } : { version: int(first, 'seen_version') };
  }
  if (w.metadata) out.metadata = parseJsonColumn(first, 'metadata') as Record<string, unknown>;
  out.throughNext = optInt(first, 'through_next');
  out.throughRewind = optInt(first, 'through_rewind');
  for (const row of rows) if (row['pos'] !== null && row['pos'] !== undefined) out.window.set(int(row, 'pos'), text(row, 'body'));
  return out;
}

/** The messages of the current version a write fetched, by position; NeedMore outside the window. */
function fetchedMessage(head: PgHead, fetched: Fetched | undefined, pos: number): Message {
  const json = fetched?.window.get(pos);
  if (json === undefined) {
    if (pos < head.start || pos >= head.next) throw new RangeError(`message ${pos} is not visible`);
    throw new NeedMore();
  }
  return parseMessage(json, () => `message ${pos} of session #${head.sid}`);
}

function cutReader(head: PgHead, fetched: Fetched | undefined, key: string): CutReader {
  const shapes = new Map<number, MessageShape>();
  return {
    shapeAt(pos) {
      let s = shapes.get(pos);
      if (s === undefined) shapes.set(pos, (s = classifyMessage(fetchedMessage(head, fetched, pos))));
      return s;
    },
    placedAfter(through) {
      if (through < head.base) {
        throw new TurnlogError('PRUNED', `version ${through} of ${JSON.stringify(key)} was garbage-collected; the oldest readable is ${head.base}`, { oldestReadable: head.base });
      }
      if (fetched?.throughNext === undefined) throw new NeedMore();
      return Math.min(fetched.throughNext, head.next, fetched.throughRewind ?? Infinity);
    },
  };
}

interface Plan {
  events: LogEvent[];
  /** The state right after each of `events` (their rows record its range and recency). */
  steps: Projection[];
  after: Projection;
  removed: Message[] | undefined;
  lastRemoval: number | undefined;
  summary: string | null;
  metadata: string | null;
  /** Version of the event that changed summary or metadata (a states row). */
  stateVersion: number | null;
}

function removedOf(req: WriteRequest, head: PgHead | undefined, fetched: Fetched | undefined): Message[] | undefined {
  if (req.change.type !== 'rewind') return undefined;
  if (head === undefined) return [];
  const k = Math.min(req.change.count, head.next - head.start);
  const out: Message[] = [];
  for (let p = head.next - k; p < head.next; p++) out.push(fetchedMessage(head, fetched, p));
  return out;
}

/** The events, the state after them and what the statement writes; undefined when nothing changes. */
function planWrite(req: WriteRequest, head: PgHead | undefined, fetched: Fetched | undefined, maxMessages: number, version: number): Plan | undefined {
  const draft = draftOf(req.change, head, head === undefined ? NO_SESSION : cutReader(head, fetched, req.key), req.restored?.start);
  const removed = removedOf(req, head, fetched);
  if (req.eventId === undefined && isNoChange(draft)) return undefined;
  const event = completeEvent(draft, version, req.at, req.eventId, head?.next ?? 0);
  const before: Projection = {
    version: version - 1,
    start: head?.start ?? 0,
    next: head?.next ?? 0,
    createdAt: head?.createdAt ?? 0,
    updatedAt: head?.updatedAt ?? 0,
    summary: '',
    metadata: fetched?.metadata ?? {},
  };
  const events = [event];
  let after = applyEvent(before, event);
  const steps = [after];
  if (req.restored === undefined && mayExceedCap(after, event, maxMessages)) {
    const span = messageSpan(event);
    const shapes = new Map<number, MessageShape>();
    // Positions from the event's own messages on are in memory; those before, in the fetched window.
    const shapeAt = (pos: number): MessageShape => {
      let s = shapes.get(pos);
      if (s === undefined) {
        const own = span !== undefined && pos >= span.from ? span.messagesJson[pos - span.from] : undefined;
        if (own === undefined && head === undefined) throw new RangeError(`message ${pos} is not visible`);
        shapes.set(pos, (s = classifyMessage(own === undefined ? fetchedMessage(head as PgHead, fetched, pos) : parseMessage(own))));
      }
      return s;
    };
    const capped = capEventAfter(after, event, maxMessages, shapeAt);
    if (capped !== undefined) {
      events.push(capped);
      after = applyEvent(after, capped);
      steps.push(after);
    }
  }
  const rw = rewindOf(event);
  const touchesSummary = event.type === 'summary.set' || event.type === 'session.forked';
  const touchesMetadata = event.type === 'metadata.updated' || event.type === 'session.forked';
  return {
    events,
    steps,
    after,
    removed,
    lastRemoval: rw !== undefined ? event.version : head?.lastRemoval,
    summary: touchesSummary ? JSON.stringify(after.summary) : null,
    metadata: touchesMetadata ? JSON.stringify(after.metadata) : null,
    stateVersion: touchesSummary || touchesMetadata ? event.version : null,
  };
}

/**
 * SHA-256 of the messages an event placed (JSON texts joined by newlines, which JSON text never
 * holds raw): messages are stored apart from their event, and verify checks they are still the
 * ones the event placed.
 */
export function placedDigest(messagesJson: readonly string[]): Buffer {
  return createHash('sha256').update(messagesJson.join('\n'), 'utf8').digest();
}

/** The parameters of the create/update statements (see pg-sql.ts for their order). */
function params(skey: Buffer, keyBytes: Buffer, head: PgHead | undefined, idDigest: Buffer | null, req: WriteRequest, plan: Plan): unknown[] {
  const ev = { version: [] as number[], at: [] as number[], body: [] as Buffer[], start: [] as number[], next: [] as number[], updated: [] as number[], rewind: [] as Array<number | null>, placedFrom: [] as Array<number | null>, placedCount: [] as Array<number | null>, placedDigest: [] as Array<Buffer | null> };
  const msg = { pos: [] as number[], version: [] as number[], body: [] as string[] };
  plan.events.forEach((e, i) => {
    const p = plan.steps[i] as Projection;
    const span = messageSpan(e);
    const stripped: LogEvent = span === undefined ? e : ({ ...e, messagesJson: [] } as LogEvent);
    ev.version.push(e.version);
    ev.at.push(e.at);
    ev.body.push(Buffer.from(encodeEvent(stripped)));
    ev.start.push(p.start);
    ev.next.push(p.next);
    ev.updated.push(p.updatedAt);
    ev.rewind.push(rewindOf(e)?.from ?? null);
    ev.placedFrom.push(span?.from ?? null);
    ev.placedCount.push(span === undefined ? null : span.messagesJson.length);
    ev.placedDigest.push(span === undefined ? null : placedDigest(span.messagesJson));
    if (span !== undefined) {
      span.messagesJson.forEach((json, j) => {
        msg.pos.push(span.from + j);
        msg.version.push(e.version);
        msg.body.push(json);
      });
    }
  });
  const ids = { digest: [] as Buffer[], version: [] as number[], fingerprint: [] as Array<string | null> };
  const first = plan.events[0];
  if (idDigest !== null && first !== undefined) {
    ids.digest.push(idDigest);
    ids.version.push(first.version);
    ids.fingerprint.push(req.fingerprint ?? null);
  }
  for (const r of req.restored?.ids ?? []) {
    ids.digest.push(Buffer.from(r.digest, 'hex'));
    ids.version.push(r.version);
    ids.fingerprint.push(r.fingerprint ?? null);
  }
  const a = plan.after;
  return [
    skey, keyBytes, head?.sid ?? null, head?.version ?? 0, a.version, a.start, a.next, a.createdAt, a.updatedAt, plan.lastRemoval ?? null,
    plan.summary, plan.metadata, first?.at ?? a.updatedAt,
    ev.version, ev.at, ev.body, ev.start, ev.next, ev.updated, ev.rewind,
    msg.pos, msg.version, msg.body,
    ids.digest, ids.version, ids.fingerprint,
    idDigest, ev.placedFrom, ev.placedCount, plan.stateVersion, ev.placedDigest,
  ];
}

