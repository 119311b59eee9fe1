import { clockJumpGuard } from '../core/gc-plan.js';
import { emptyReport } from '../engine/gc-report.js';
import type { GcPolicy, GcReport, StopSignal } from '../engine/gc-report.js';
import { withTransaction } from './pg-pool.js';
import { int } from './pg-rows.js';
import { compactionSweeps, rowBytes, SWEPT_TABLES } from './pg-gc-sweeps.js';
import { dryRunCount } from './pg-gc-dry.js';
import type { PgSession } from './pg-session.js';

/** Rows one GC statement removes at most: every statement is a short transaction. */
const BATCH = 2000;
/** Sessions one expiry statement unlinks at most. */
const EXPIRE_BATCH = 256;

/**
 * Garbage collection on PostgreSQL, in short statements: expiry (sessions idle past the ttl, via
 * the recency index, unlinked and queued for purging), purging (the queued sessions' rows,
 * BATCH at a time), compaction (versions older than the replay window: the base moves forward,
 * then the rows only older versions needed go, BATCH at a time). Several runners on several hosts
 * share the work: a session or purge entry is taken with FOR UPDATE SKIP LOCKED, so two runners
 * never work on the same one, and a writer waits only for the one short statement that moves
 * its session's base. `stop` is checked before every statement.
 */
export async function pgGc(pg: PgSession, policy: GcPolicy, dryRun: boolean, onProgress: ((r: GcReport) => void) | undefined, stop: StopSignal): Promise<GcReport> {
  const started = performance.now();
  const report = emptyReport(dryRun);
  const s = `"${pg.schema}"`;
  const finish = (): GcReport => {
    report.stopped = stop.aborted;
    report.durationMs = performance.now() - started;
    return report;
  };
  /** One statement as one GC transaction, timed. */
  const statement = async (text: string, values: unknown[]): Promise<Array<Record<string, unknown>>> => {
    const t0 = performance.now();
    const rows = await pg.run(text, values, 'a GC statement');
    if (!dryRun) {
      report.transactions++;
      report.longestTransactionMs = Math.max(report.longestTransactionMs, performance.now() - t0);
    }
    report.durationMs = performance.now() - started;
    return rows;
  };
  const idleBefore = policy.now - policy.ttl;
  const cutoff = policy.now - policy.replayWindow;
  let expiring = policy.ttl !== Infinity;
  let compacting = policy.replayWindow !== Infinity;
  if (expiring) {
    const [row] = await statement(`SELECT (SELECT count(*) FROM ${s}.sessions WHERE updated_at < $1) AS idle, (SELECT count(*) FROM ${s}.sessions) AS live`, [idleBefore]);
    const guard = clockJumpGuard(int(row ?? {}, 'idle'), int(row ?? {}, 'live'), policy.maxExpireShare);
    if (!guard.expire) {
      report.expiryHeldBack = int(row ?? {}, 'idle');
      expiring = false;
    }
    if (!guard.compact && compacting) {
      report.compactionHeldBack = true;
      compacting = false;
    }
    if (dryRun && expiring) report.sessionsExpired = int(row ?? {}, 'idle');
  }
  if (dryRun) {
    await dryRunCount(pg, { cutoff, idleBefore, expiring, compacting }, report, stop, statement);
    onProgress?.({ ...report });
    return finish();
  }
  if (expiring) {
    for (;;) {
      if (stop.aborted) return finish();
      const rows = await statement(
        `WITH x AS (SELECT skey, sid FROM ${s}.sessions WHERE updated_at < $1 ORDER BY updated_at LIMIT ${EXPIRE_BATCH} FOR UPDATE SKIP LOCKED),
              d AS (DELETE FROM ${s}.sessions t USING x WHERE t.skey = x.skey AND t.sid = x.sid RETURNING t.skey, t.sid)
         INSERT INTO ${s}.purges (skey, sid, queued_at) SELECT skey, sid, $2 FROM d ON CONFLICT DO NOTHING RETURNING sid`,
        [idleBefore, policy.now],
      );
      report.sessionsExpired += rows.length;
      onProgress?.({ ...report });
      if (rows.length < EXPIRE_BATCH) break;
    }
  }
  if (!(await purgeQueued(pg, report, stop))) return finish();
  if (compacting) {
    for (;;) {
      if (stop.aborted) return finish();
      const done = await compactOne(pg, cutoff, report, stop, statement);
      onProgress?.({ ...report });
      if (done) break;
    }
  }
  return finish();
}

export type Statement = (text: string, values: unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * Removes the rows of every queued session; false when `stop` cut it short. Each transaction
 * takes the oldest entry no other runner holds (SKIP LOCKED) and removes up to BATCH rows per
 * table of it; the entry goes with its last rows. Entries other runners hold are theirs to finish.
 */
export async function purgeQueued(pg: PgSession, report: GcReport, stop: StopSignal): Promise<boolean> {
  for (;;) {
    if (stop.aborted) return false;
    const step = await purgeStep(pg, report, undefined);
    if (step === 'none') return true;
  }
}

/** Removes the rows of the deleted session (skey, sid), unless another runner is at it; false when `stop` cut it short. */
export async function purgeSession(pg: PgSession, report: GcReport, stop: StopSignal, entry: { skey: Buffer; sid: number }): Promise<boolean> {
  for (;;) {
    if (stop.aborted) return false;
    const step = await purgeStep(pg, report, entry);
    if (step !== 'more') return true;
  }
}

/**
 * One purge transaction: the entry (`only`, or the oldest free one) locked, BATCH rows per table
 * removed, the entry removed with the last of them. 'none' when there was no free entry, 'done'
 * when this one is finished, 'more' when rows remain.
 */
async function purgeStep(pg: PgSession, report: GcReport, only: { skey: Buffer; sid: number } | undefined): Promise<'none' | 'done' | 'more'> {
  const s = `"${pg.schema}"`;
  const t0 = performance.now();
  const step = await withTransaction(pg.pool, 'purging a session', async (client) => {
    const pick = only === undefined
      ? await client.query(`SELECT skey, sid FROM ${s}.purges ORDER BY queued_at LIMIT 1 FOR UPDATE SKIP LOCKED`)
      : await client.query(`SELECT skey, sid FROM ${s}.purges WHERE skey = $1 AND sid = $2 FOR UPDATE SKIP LOCKED`, [only.skey, only.sid]);
    const entry = pick.rows[0];
    if (entry === undefined) return 'none' as const;
    let removed = 0;
    for (const table of SWEPT_TABLES) {
      const r = await client.query(
        `WITH d AS (DELETE FROM ${s}.${table} t WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${s}.${table} WHERE skey = $1 AND sid = $2 LIMIT ${BATCH})) RETURNING ${rowBytes(table, 't')} AS b)
         SELECT count(*) AS n, coalesce(sum(b), 0) AS bytes FROM d`,
        [entry['skey'], entry['sid']],
      );
      const n = int(r.rows[0] ?? {}, 'n');
      report.bytesRemoved += int(r.rows[0] ?? {}, 'bytes');
      if (table === 'events') report.eventsRemoved += n;
      removed += n;
    }
    if (removed > 0) return 'more' as const;
    await client.query(`DELETE FROM ${s}.purges WHERE skey = $1 AND sid = $2`, [entry['skey'], entry['sid']]);
    return 'done' as const;
  });
  if (step !== 'none') {
    report.transactions++;
    report.longestTransactionMs = Math.max(report.longestTransactionMs, performance.now() - t0);
  }
  return step;
}

/**
 * Compacts one due session: its base moves to the newest version older than the replay window
 * (one short statement under the head's row lock, skipped when a writer holds it), then the rows
 * only older versions needed are deleted in batches. True when no session is due.
 */
async function compactOne(pg: PgSession, cutoff: number, report: GcReport, stop: StopSignal, statement: Statement): Promise<boolean> {
  const s = `"${pg.schema}"`;
  const rows = await statement(
    `WITH x AS (SELECT skey, sid, version, base FROM ${s}.sessions WHERE gc_at <= $1 ORDER BY gc_at LIMIT 1 FOR UPDATE SKIP LOCKED),
          b AS (SELECT x.skey, x.sid, x.base AS old_base,
                  greatest(x.base, coalesce((SELECT e.version FROM ${s}.events e WHERE e.skey = x.skey AND e.sid = x.sid AND e.updated_at <= $1 ORDER BY e.version DESC LIMIT 1), 0)) AS base
                FROM x),
          r AS (SELECT b.*, e.start, e.next, e.updated_at FROM b LEFT JOIN ${s}.events e ON e.skey = b.skey AND e.sid = b.sid AND e.version = b.base AND b.base > b.old_base)
     UPDATE ${s}.sessions t SET base = r.base,
       base_start = coalesce(r.start, t.base_start), base_next = coalesce(r.next, t.base_next), base_updated_at = coalesce(r.updated_at, t.base_updated_at),
       gc_at = (SELECT e.updated_at FROM ${s}.events e WHERE e.skey = t.skey AND e.sid = t.sid AND e.version = r.base + 1)
     FROM r WHERE t.skey = r.skey AND t.sid = r.sid
     RETURNING t.skey, t.sid, r.old_base, r.base, t.base_start AS start, t.base_next AS next`,
    [cutoff],
  );
  const row = rows[0];
  if (row === undefined) return true;
  const base = int(row, 'base');
  if (base === int(row, 'old_base')) return false;
  report.sessionsCompacted++;
  const key = [row['skey'], row['sid']];
  const start = int(row, 'start');
  const next = int(row, 'next');
  const sweeps = compactionSweeps(s, key, base, start, next);
  for (const [table, cond, values] of sweeps) {
    for (;;) {
      if (stop.aborted) return false;
      const [r] = await statement(
        `WITH d AS (DELETE FROM ${s}.${table} t WHERE ctid = ANY(ARRAY(SELECT x.ctid FROM ${s}.${table} x WHERE ${cond} LIMIT ${BATCH})) RETURNING ${rowBytes(table, 't')} AS b)
         SELECT count(*) AS n, coalesce(sum(b), 0) AS bytes FROM d`,
        values,
      );
      const n = int(r ?? {}, 'n');
      report.bytesRemoved += int(r ?? {}, 'bytes');
      if (table === 'events') report.eventsRemoved += n;
      if (n < BATCH) break;
    }
  }
  return false;
}
