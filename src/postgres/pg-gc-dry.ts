import type { GcReport, StopSignal } from '../engine/gc-report.js';
import { int, optInt } from './pg-rows.js';
import type { PgSession } from './pg-session.js';
import { compactionSweeps, rowBytes, SWEPT_TABLES } from './pg-gc-sweeps.js';
import type { SweptTable } from './pg-gc-sweeps.js';
import type { Statement } from './pg-gc.js';

/** Due sessions a dry run sizes up per statement. */
const PAGE = 200;

/**
 * A dry run: what the real run would remove, counted with the same conditions and nothing
 * written — the expiring sessions' rows, those of sessions already queued for purging, and for
 * each session due for compaction the rows its new base makes unreadable (compactionSweeps).
 */
export async function dryRunCount(
  pg: PgSession,
  p: { cutoff: number; idleBefore: number; expiring: boolean; compacting: boolean },
  report: GcReport,
  stop: StopSignal,
  statement: Statement,
): Promise<void> {
  const s = `"${pg.schema}"`;
  const add = (row: Record<string, unknown> | undefined, table: SweptTable): void => {
    if (table === 'events') report.eventsRemoved += int(row ?? {}, 'n');
    report.bytesRemoved += int(row ?? {}, 'bytes');
  };
  const sizeOf = (table: SweptTable): string => `SELECT count(*) AS n, coalesce(sum(${rowBytes(table, 'x')}), 0) AS bytes FROM ${s}.${table} x`;
  for (const table of SWEPT_TABLES) {
    if (stop.aborted) return;
    add((await statement(`${sizeOf(table)} JOIN ${s}.purges q ON q.skey = x.skey AND q.sid = x.sid`, []))[0], table);
    if (p.expiring) add((await statement(`${sizeOf(table)} JOIN ${s}.sessions q ON q.skey = x.skey AND q.sid = x.sid WHERE q.updated_at < $1`, [p.idleBefore]))[0], table);
  }
  if (p.expiring) report.sessionsExpired = int((await statement(`SELECT count(*) AS n FROM ${s}.sessions WHERE updated_at < $1`, [p.idleBefore]))[0] ?? {}, 'n');
  if (!p.compacting) return;
  let after: Buffer = Buffer.alloc(0);
  for (;;) {
    if (stop.aborted) return;
    // The due sessions that do not expire, each with its new base and the range there (none: its base does not move).
    const due = await statement(
      `SELECT c.skey, c.sid, c.b, e.start, e.next FROM (
         SELECT x.skey, x.sid, x.base, coalesce((SELECT e.version FROM ${s}.events e WHERE e.skey = x.skey AND e.sid = x.sid AND e.updated_at <= $1 ORDER BY e.version DESC LIMIT 1), 0) AS b
         FROM ${s}.sessions x WHERE x.gc_at <= $1 AND NOT ($2::boolean AND x.updated_at < $3) AND x.skey > $4 ORDER BY x.skey LIMIT ${PAGE}) c
       LEFT JOIN ${s}.events e ON e.skey = c.skey AND e.sid = c.sid AND e.version = c.b AND c.b > c.base
       ORDER BY c.skey`,
      [p.cutoff, p.expiring, p.idleBefore, after],
    );
    for (const row of due) {
      const start = optInt(row, 'start');
      if (start === undefined) continue;
      report.sessionsCompacted++;
      for (const [table, cond, values] of compactionSweeps(s, [row['skey'], row['sid']], int(row, 'b'), start, int(row, 'next'))) {
        add((await statement(`${sizeOf(table)} WHERE ${cond}`, values))[0], table);
      }
    }
    const last = due[due.length - 1];
    if (last === undefined || due.length < PAGE) return;
    after = last['skey'] as Buffer;
  }
}
