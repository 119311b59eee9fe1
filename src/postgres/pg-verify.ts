import { TurnlogError, isTurnlogError } from '../errors.js';
import { OrphanScan } from '../core/message-shapes.js';
import { applyEvent, emptyProjection } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import { monotonicClock, READ_MS, READ_ROWS, Slices } from '../engine/budget.js';
import type { BudgetClock } from '../engine/budget.js';
import type { StopSignal } from '../engine/gc-report.js';
import type { VerifyReport } from '../engine/verify.js';
import { bytes, headOf, int, parseJsonColumn } from './pg-rows.js';
import { eventRows, pgHistoryPart, pgStateAt } from './pg-reads.js';
import { messageSpan, rewindOf } from '../core/events.js';
import { placedDigest } from './pg-write.js';
import type { PgHead } from './pg-rows.js';
import type { PgSession } from './pg-session.js';

/** Sessions listed per statement. */
const PAGE = 100;
/**
 * Messages per statement of a history read, and (about) per page of events: the driver parses a
 * result's rows without the event loop running between them.
 */
const HISTORY_PART = 2000;
const EVENT_PAGE_MESSAGES = 2000;

/**
 * Re-folds every session from its base with the shared fold and compares the result with its
 * head row (version, range, recency, summary, metadata), then reads its history as a reader
 * would (every visible position must have its message). Writes may land meanwhile: a session
 * whose head moved during its check is checked again against the newer head, once; a session
 * deleted meanwhile is skipped. Once `stop` is aborted, the next statement rejects with CLOSED.
 * The JavaScript between two statements is bounded too: the fold yields to the event loop once
 * it spent a read budget (READ_ROWS events and messages, about READ_MS by `clock`), and a long
 * history is read in parts.
 */
export async function pgVerify(pg: PgSession, onProgress: ((done: number, total: number) => void) | undefined, stop: StopSignal, clock: BudgetClock = monotonicClock): Promise<VerifyReport> {
  const s = `"${pg.schema}"`;
  const report: VerifyReport = { ok: true, sessions: 0, events: 0, checkpoints: 0, mismatches: [], orphanedResults: [] };
  const [count] = await pg.run(`SELECT count(*) AS n FROM ${s}.sessions`, [], 'counting sessions');
  const total = int(count ?? {}, 'n');
  let after: Buffer = Buffer.alloc(0);
  const slices = new Slices(READ_ROWS, READ_MS, clock);
  for (;;) {
    if (stop.aborted) throw new TurnlogError('CLOSED', 'the session log was closed during verify()');
    const rows = await pg.run(
      `SELECT skey, sid, key, version, start, next, created_at, updated_at, base, last_removal, summary, metadata FROM ${s}.sessions WHERE skey > $1 ORDER BY skey LIMIT ${PAGE}`,
      [after],
      'listing sessions',
    );
    for (const row of rows) {
      if (stop.aborted) throw new TurnlogError('CLOSED', 'the session log was closed during verify()');
      const key = bytes(row, 'key').toString('utf8');
      try {
        const problem = await checkSession(pg, key, row, report, slices, stop);
        if (problem !== undefined) report.mismatches.push({ key, problem });
      } catch (error) {
        // Deleted (maybe created again), or collected by a GC run on another handle, since it was listed: not damage.
        if (error instanceof Replaced || isTurnlogError(error, 'NOT_FOUND') || isTurnlogError(error, 'PRUNED') || isTurnlogError(error, 'INVALID_ARGUMENT')) continue;
        if (isTurnlogError(error, 'CORRUPT')) report.mismatches.push({ key, problem: (error as Error).message });
        else throw error;
      }
      report.sessions++;
    }
    const last = rows[rows.length - 1];
    onProgress?.(report.sessions, total);
    if (last === undefined || rows.length < PAGE) break;
    after = bytes(last, 'skey');
  }
  report.ok = report.mismatches.length === 0;
  return report;
}

/** Thrown when the session listed is no longer the one under its key: skipped, not damage. */
class Replaced extends Error {}

/**
 * Folds the session from its base and compares, at the version listed: the head, every event
 * row's range and recency, every summary/metadata row, the version of the last removal, and the
 * history a reader gets. Reads by key check that they still read the session listed (`sid`).
 */
async function checkSession(pg: PgSession, key: string, row: Record<string, unknown>, report: VerifyReport, slices: Slices, stop: StopSignal): Promise<string | undefined> {
  const head = headOf(row);
  const same = (h: PgHead | undefined): void => {
    if (h === undefined || h.sid !== head.sid) throw new Replaced();
  };
  let p: Projection = emptyProjection();
  if (head.base > 0) {
    const at = await pgStateAt(pg, key, head.base);
    same(at?.head);
    if (at === undefined) return `the base version ${head.base} cannot be read`;
    const { info, start } = at;
    p = { version: head.base, start, next: start + info.messageCount, createdAt: info.createdAt, updatedAt: info.updatedAt, summary: info.summary, metadata: info.metadata };
  }
  const stateAt = new Map<number, { summary?: string; metadata?: string }>();
  let lastRemoval: number | undefined;
  for await (const r of eventRows(pg, key, head.sid, head.base + 1, head.version, EVENT_PAGE_MESSAGES)) {
    p = applyEvent(p, r.event);
    report.events++;
    if (r.start !== p.start || r.next !== p.next || r.updatedAt !== p.updatedAt) return `event ${p.version} records the range [${r.start}, ${r.next}) at ${r.updatedAt}; the fold gives [${p.start}, ${p.next}) at ${p.updatedAt}`;
    if (r.event.type === 'summary.set') stateAt.set(p.version, { summary: JSON.stringify(p.summary) });
    if (r.event.type === 'metadata.updated') stateAt.set(p.version, { metadata: JSON.stringify(p.metadata) });
    if (r.event.type === 'session.forked') stateAt.set(p.version, { summary: JSON.stringify(p.summary), metadata: JSON.stringify(p.metadata) });
    if (rewindOf(r.event) !== undefined) lastRemoval = p.version;
    const span = messageSpan(r.event);
    if (span !== undefined && (r.digest === undefined || !r.digest.equals(placedDigest(span.messagesJson)))) return `the messages event ${p.version} placed were changed or lost`;
    // A page of events arrives whole: its fold is what would hold the event loop.
    slices.current.spend(1 + (span?.messagesJson.length ?? 0));
    await slices.next();
    if (stop.aborted) throw new TurnlogError('CLOSED', 'the session log was closed during verify()');
  }
  const summary = parseJsonColumn(row, 'summary');
  const metadata = parseJsonColumn(row, 'metadata');
  if (p.version !== head.version || p.start !== head.start || p.next !== head.next) return `the events fold to version ${p.version} [${p.start}, ${p.next}), the head says ${head.version} [${head.start}, ${head.next})`;
  if (p.updatedAt !== head.updatedAt || p.createdAt !== head.createdAt) return 'the events fold to other times than the head holds';
  if (p.summary !== summary) return 'the events fold to another summary than the head holds';
  if (JSON.stringify(p.metadata) !== JSON.stringify(metadata)) return 'the events fold to other metadata than the head holds';
  // A removal before the base is not in the events any more: only one after it can be checked.
  if (lastRemoval !== undefined ? head.lastRemoval !== lastRemoval : (head.lastRemoval ?? 0) > head.base) return `the head's last removal is ${head.lastRemoval ?? 'none'}, the events say ${lastRemoval ?? `none after ${head.base}`}`;
  const states = await pg.query('states', [pg.skey(key), head.sid, head.base]);
  for (const st of states) {
    const v = int(st, 'version');
    if (v > head.version) continue; // written after the session was listed
    const want = stateAt.get(v);
    stateAt.delete(v);
    const got = { summary: st['summary'] ?? undefined, metadata: st['metadata'] ?? undefined };
    if (want === undefined) return `a summary/metadata row at version ${v}, where no event changed them`;
    if (got.summary !== want.summary || (want.metadata !== undefined && JSON.stringify(JSON.parse(String(got.metadata))) !== want.metadata)) return `the summary/metadata row at version ${v} differs from the fold`;
  }
  const missing = [...stateAt.keys()];
  if (missing.length > 0) return `no summary/metadata row for version ${missing[0]}`;
  // The history a reader gets, in parts: one statement and one JSON parse of a long history
  // would hold the event loop for as long; between two parts it runs.
  const orphans = new OrphanScan();
  let read = 0;
  let from = head.start;
  do {
    const part = await pgHistoryPart(pg, key, head.version, from, Math.min(head.next, from + HISTORY_PART));
    same(part.head);
    read += part.messages.length;
    for (const m of part.messages) orphans.add(m);
    from += HISTORY_PART;
  } while (from < head.next);
  if (read !== head.next - head.start) return `the history has ${read} messages, the head says ${head.next - head.start}`;
  if (orphans.found.length > 0) report.orphanedResults.push({ key, indexes: orphans.found });
  return undefined;
}
