import { clockJumpGuard } from '../core/gc-plan.js';
import { KEY_BOTTOM, keyNumber, keyAfter } from '../core/layout.js';
import type { Key } from '../core/layout.js';
import type { Backend, WriteTxn } from '../storage/backend.js';
import { Budget, monotonicClock, TXN_MS, TXN_ROWS, yieldToEventLoop } from './budget.js';
import type { BudgetClock } from './budget.js';
import { adjustCounters, readCounters, zeroCounts } from './counters.js';
import { compactSome } from './gc-compact.js';
import { dryRunCount } from './gc-dry-run.js';
import { emptyReport } from './gc-report.js';
import type { GcPolicy, GcReport, StopSignal } from './gc-report.js';
import { purgeSome, unlinkSession } from './purge.js';
import { headBySid } from './reader.js';

export type { GcOptions, GcPolicy, GcReport } from './gc-report.js';

/** Index entries counted per read transaction when GC sizes up an expiry. */
const COUNT_PAGE = 4096;

/**
 * Garbage collection: expiry (sessions idle past `ttl`, found through the recency index, so the
 * cost is O(expired)), compaction (versions older than the replay window folded into a base
 * checkpoint, found through the review queue, O(due)), and purging of removed sessions' rows.
 * Every step is a bounded transaction, a session of any size included; interrupted at any
 * point, the next run carries on. A dry run reads in short pages and yields between them.
 * `stop` (aborted by `close()`) is checked before every transaction and read page: the run then
 * resolves at once with what it did so far and `stopped: true`. `clock` times the budgets.
 */
export async function runGc(backend: Backend, policy: GcPolicy, dryRun: boolean, onProgress?: (r: GcReport) => void, stop?: StopSignal, clock: BudgetClock = monotonicClock): Promise<GcReport> {
  const started = performance.now();
  const report = emptyReport(dryRun);
  const finish = (): GcReport => {
    report.stopped = stop?.aborted === true;
    report.durationMs = performance.now() - started;
    return report;
  };
  let expiring = policy.ttl !== Infinity;
  let compacting = policy.replayWindow !== Infinity;
  if (expiring) {
    const counted = await countIdle(backend, policy, stop);
    if (counted === undefined) return finish();
    const guard = clockJumpGuard(counted.idle, counted.live, policy.maxExpireShare);
    if (!guard.expire) {
      report.expiryHeldBack = counted.idle;
      expiring = false;
    }
    if (!guard.compact && compacting) {
      report.compactionHeldBack = true;
      compacting = false;
    }
  }
  if (dryRun) {
    await dryRunCount(backend, policy, report, { expiring, compacting }, stop, () => {
      report.durationMs = performance.now() - started;
      onProgress?.({ ...report });
    }, clock);
    return finish();
  }
  /** Runs `fn` in bounded transactions until it says it is done; false when `stop` cut it short. */
  const step = async (fn: (tx: WriteTxn, budget: Budget) => boolean): Promise<boolean> => {
    for (;;) {
      if (stop?.aborted === true) return false;
      const { done, ms } = await backend.write((tx) => {
        const budget = new Budget(TXN_ROWS, TXN_MS, clock);
        const d = fn(tx, budget);
        return { done: d, ms: budget.elapsedMs() };
      });
      report.transactions++;
      await yieldToEventLoop();
      report.longestTransactionMs = Math.max(report.longestTransactionMs, ms);
      report.durationMs = performance.now() - started;
      onProgress?.({ ...report });
      if (done) return true;
    }
  };
  if (expiring && !(await step((tx, budget) => expireSome(tx, policy, budget, report)))) return finish();
  const purged = await step((tx, budget) => {
    const r = purgeSome(tx, budget);
    report.bytesRemoved += r.bytes;
    report.eventsRemoved += r.events;
    return r.done;
  });
  if (!purged) return finish();
  const compacted = new Set<number>();
  if (compacting) await step((tx, budget) => compactSome(tx, policy, budget, report, compacted));
  return finish();
}

/**
 * Sessions idle past the ttl (recency-index entries, counted in short read pages) and the live
 * sessions: what the clock-jump guard compares. Undefined when `stop` cut the count short.
 */
async function countIdle(backend: Backend, p: GcPolicy, stop: StopSignal | undefined): Promise<{ idle: number; live: number } | undefined> {
  const live = backend.read((tx) => readCounters(tx).sessions);
  let idle = 0;
  let low: Key = KEY_BOTTOM;
  for (;;) {
    if (stop?.aborted === true) return undefined;
    const last = backend.read((tx) => {
      let key: Key | undefined;
      let n = 0;
      for (const e of tx.range('recent', { low, high: [p.now - p.ttl], limit: COUNT_PAGE, keysOnly: true })) {
        key = e.key;
        n++;
      }
      idle += n;
      return n < COUNT_PAGE || key === undefined ? undefined : keyAfter(key, 'recent');
    });
    if (last === undefined) return { idle, live };
    low = last;
    await yieldToEventLoop();
  }
}

/** Unlinks sessions idle past the ttl; returns true when none is left. */
function expireSome(tx: WriteTxn, p: GcPolicy, budget: Budget, report: GcReport): boolean {
  const high: Key = [p.now - p.ttl];
  const entries = [...tx.range('recent', { low: KEY_BOTTOM, high, limit: 256 })];
  const counts = zeroCounts();
  let done = entries.length < 256;
  for (const e of entries) {
    const head = headBySid(tx, keyNumber(e.key, 1, 'recent'));
    if (head === undefined) tx.del('recent', e.key);
    else {
      unlinkSession(tx, head, counts);
      report.sessionsExpired++;
    }
    if (!budget.spend(8)) {
      done = false;
      break;
    }
  }
  adjustCounters(tx, counts);
  return done;
}
