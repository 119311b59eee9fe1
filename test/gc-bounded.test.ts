import { turnsDuring } from './support/event-loop.js';
import { describe, expect, it } from 'vitest';
import { openSessionLogOn } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import type { GcReport } from '../src/engine/gc.js';
import type { WriteTxn } from '../src/storage/backend.js';
import { TXN_ROWS } from '../src/engine/budget.js';
import { CountingBackend } from './support/counting-backend.js';

/**
 * GC work per transaction is bounded whatever a session's size: rows read and deleted are counted
 * per write transaction (never time). A session of tens of thousands of collectable events used
 * to be read whole in every GC transaction, and once the first one had recorded the new base,
 * no later transaction removed anything.
 */
class PerTransaction extends CountingBackend {
  /** Rows read plus rows deleted, per write transaction. */
  readonly work: number[] = [];
  private deletes = 0;

  override write<T>(fn: (tx: WriteTxn) => T): Promise<T> {
    return super.write((tx) => {
      const before = this.rowsRead + this.deletes;
      try {
        return fn({
          ...tx,
          del: (t, k) => {
            this.deletes++;
            tx.del(t, k);
          },
        });
      } finally {
        this.work.push(this.rowsRead + this.deletes - before);
      }
    });
  }
}

const EVENTS = 30_000;
/**
 * Each of the budget's rows is read once and deleted once; plus the fixed reads of a pass (head,
 * queue entries, one page of checkpoint times, counters).
 */
const BOUND = 2 * TXN_ROWS + 500;

/**
 * A checkpoint every 4 events: each closes one events row (a pack of 4), a checkpoint and a chunk,
 * so the session has about as many rows to collect as it has events.
 */
async function bigSession(backend: PerTransaction, clock: () => number, options: { ttl?: string } = {}): Promise<SessionLog> {
  const log = openSessionLogOn(backend, { clock, replayWindow: 0, readCacheBytes: 0, checkpointEvery: 4, ...options });
  for (let i = 0; i < EVENTS; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => log.addMessage('big', 'user', `m${i + j}`)));
  await log.addMessage('small', 'user', 'hello');
  return log;
}

/** The rows of the per-session tables GC and purges collect. */
function rowsOf(backend: PerTransaction, tables: ReadonlyArray<'events' | 'checkpoints' | 'chunks'> = ['events', 'checkpoints', 'chunks']): number {
  return backend.read((tx) => tables.reduce((n, t) => n + [...tx.range(t, { low: [0], high: ['~'], keysOnly: true })].length, 0));
}

/** Rows a GC report counts as removed. */
const removedRows = (r: GcReport): number => r.eventsRemoved + r.checkpointsRemoved + r.chunksRemoved;

describe('GC of one huge session', () => {
  it('collects 30,000 events in bounded transactions, each removing some, and a cut-short run is finished by the next', async () => {
    const backend = new PerTransaction();
    const now = 1_700_000_000_000;
    const log = await bigSession(backend, () => now);
    const before = await log.getHistory('big');
    const rows = rowsOf(backend);
    expect(rows).toBeGreaterThan(EVENTS / 2);
    backend.work.length = 0;
    // The first run is cut short after two transactions (onProgress throws): it has recorded the new base.
    let seen = 0;
    await expect(
      log.gc({
        now: now + 1,
        onProgress: () => {
          if (++seen === 2) throw new Error('stop');
        },
      }),
    ).rejects.toThrow('stop');
    const reports: GcReport[] = [];
    const report = await log.gc({ now: now + 2, onProgress: (r) => reports.push(r) });
    expect(report.eventsRemoved).toBeGreaterThan(EVENTS - 2 * TXN_ROWS);
    // Every transaction of the second run removed something until the session was collected.
    for (let i = 1; i < reports.length; i++) {
      const progressed = removedRows(reports[i] as GcReport) > removedRows(reports[i - 1] as GcReport);
      if (!progressed) expect(i, 'only the last transactions may remove nothing').toBeGreaterThanOrEqual(reports.length - 2);
    }
    expect(Math.max(...backend.work), `work per transaction: ${backend.work.join(',')}`).toBeLessThanOrEqual(BOUND);
    // What both runs removed (the rows left — the chunks holding the history, the base — stay).
    const removed = rows - rowsOf(backend);
    expect(report.transactions).toBeGreaterThanOrEqual((removed - 2 * TXN_ROWS) / TXN_ROWS);
    expect((await log.stats()).events).toBe(0);
    expect(await log.getHistory('big')).toEqual(before);
    expect((await log.gc({ now: now + 3 })).eventsRemoved).toBe(0);
    expect((await log.verify()).mismatches).toEqual([]);
    await log.close();
  }, 120_000);

  it('a dry run counts what the real run removes, and lets the event loop run while it reads', async () => {
    const backend = new PerTransaction();
    const now = 1_700_000_000_000;
    const log = await bigSession(backend, () => now);
    // Replay window 0: the base is the head, whose chunks stay; the events and checkpoints below go.
    const rows = rowsOf(backend, ['events', 'checkpoints']);
    const { result: dry, turns } = await turnsDuring(() => log.gc({ now: now + 1, dryRun: true }));
    // A turn between two pages of 2,000 rows of each of the two ranges.
    expect(turns).toBeGreaterThanOrEqual(Math.floor(rows / 2000) - 2);
    const real = await log.gc({ now: now + 1 });
    expect({ ...dry, dryRun: false, transactions: 0, longestTransactionMs: 0, durationMs: 0 }).toEqual({ ...real, transactions: 0, longestTransactionMs: 0, durationMs: 0 });
    await log.close();
  }, 120_000);

  it('expiring and deleting a huge session purge it in bounded transactions', async () => {
    for (const how of ['expire', 'delete'] as const) {
      const backend = new PerTransaction();
      let now = 1_700_000_000_000;
      const log = await bigSession(backend, () => now, { ttl: '1h' });
      const rows = rowsOf(backend);
      backend.work.length = 0;
      if (how === 'delete') expect(await log.deleteSession('big')).toBe(true);
      else {
        now += 2 * 3_600_000;
        await log.addMessage('fresh', 'user', 'keeps the idle share under the guard');
        await log.addMessage('fresh2', 'user', 'and another');
        const r = await log.gc({ maxExpireShare: 1 });
        expect(r.sessionsExpired).toBe(2);
      }
      expect(await log.stats()).toMatchObject({ pendingPurges: 0 });
      expect(backend.work.length).toBeGreaterThanOrEqual(rows / TXN_ROWS);
      expect(Math.max(...backend.work), `${how}: work per transaction: ${backend.work.join(',')}`).toBeLessThanOrEqual(BOUND);
      await log.close();
    }
  }, 120_000);
});
