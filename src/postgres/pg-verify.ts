import { TurnlogError, isTurnlogError } from '../errors.js';
import { orphanResults } from '../core/message-shapes.js';
import { applyEvent, emptyProjection } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import type { StopSignal } from '../engine/gc-report.js';
import type { VerifyReport } from '../engine/verify.js';
import { bytes, headOf, int, parseJsonColumn } from './pg-rows.js';
import { eventPages, pgHistory, pgStateAt } from './pg-reads.js';
import type { PgSession } from './pg-session.js';

/** Sessions listed per statement. */
const PAGE = 100;

/**
 * Re-folds every session from its base with the shared fold and compares the result with its
 * head row (version, range, recency, summary, metadata), then reads its history as a reader
 * would (every visible position must have its message). Writes may land meanwhile: a session
 * whose head moved during its check is checked again against the newer head, once; a session
 * deleted meanwhile is skipped. Once `stop` is aborted, the next statement rejects with CLOSED.
 */
export async function pgVerify(pg: PgSession, onProgress: ((done: number, total: number) => void) | undefined, stop: StopSignal): Promise<VerifyReport> {
  const s = `"${pg.schema}"`;
  const report: VerifyReport = { ok: true, sessions: 0, events: 0, checkpoints: 0, mismatches: [], orphanedResults: [] };
  const [count] = await pg.run(`SELECT count(*) AS n FROM ${s}.sessions`, [], 'counting sessions');
  const total = int(count ?? {}, 'n');
  let after: Buffer = Buffer.alloc(0);
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
        const problem = await checkSession(pg, key, row, report);
        if (problem !== undefined) report.mismatches.push({ key, problem });
      } catch (error) {
        // Deleted, or collected by a GC run on another handle, since it was listed: not damage.
        if (isTurnlogError(error, 'NOT_FOUND') || isTurnlogError(error, 'PRUNED')) continue;
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

async function checkSession(pg: PgSession, key: string, row: Record<string, unknown>, report: VerifyReport): Promise<string | undefined> {
  const head = headOf(row);
  let p: Projection = emptyProjection();
  if (head.base > 0) {
    const at = await pgStateAt(pg, key, head.base);
    if (at === undefined) return `the base version ${head.base} cannot be read`;
    const { info, start } = at;
    p = { version: head.base, start, next: start + info.messageCount, createdAt: info.createdAt, updatedAt: info.updatedAt, summary: info.summary, metadata: info.metadata };
  }
  for await (const e of eventPages(pg, key, head.sid, head.base + 1, head.version)) {
    p = applyEvent(p, e);
    report.events++;
  }
  const summary = parseJsonColumn(row, 'summary');
  const metadata = parseJsonColumn(row, 'metadata');
  if (p.version !== head.version || p.start !== head.start || p.next !== head.next) return `the events fold to version ${p.version} [${p.start}, ${p.next}), the head says ${head.version} [${head.start}, ${head.next})`;
  if (p.updatedAt !== head.updatedAt || p.createdAt !== head.createdAt) return 'the events fold to other times than the head holds';
  if (p.summary !== summary) return 'the events fold to another summary than the head holds';
  if (JSON.stringify(p.metadata) !== JSON.stringify(metadata)) return 'the events fold to other metadata than the head holds';
  const history = await pgHistory(pg, key, head.version, undefined);
  if (history.length !== head.next - head.start) return `the history has ${history.length} messages, the head says ${head.next - head.start}`;
  const orphans = orphanResults(history);
  if (orphans.length > 0) report.orphanedResults.push({ key, indexes: orphans });
  return undefined;
}
