import { describe, expect, it } from 'vitest';
import { openSessionLogOn } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import type { GcReport } from '../src/engine/gc.js';
import type { WriteTxn } from '../src/storage/backend.js';
import { MemoryBackend } from '../src/storage/memory-backend.js';
import { expectCode } from './support/messages.js';

/**
 * close() cuts GC, purges and verify short at their next transaction (or read page) boundary:
 * it used to wait for the whole run (60k sessions: 942 transactions, 7.6 s). Transactions and
 * pages are counted, never timed.
 */
class Reopenable extends MemoryBackend {
  writes = 0;
  override write<T>(fn: (tx: WriteTxn) => T): Promise<T> {
    this.writes++;
    return super.write(fn);
  }
  /** The data outlives one handle, so the next one can carry on. */
  override async close(): Promise<void> {}
}

const SESSIONS = 3000;

async function store(backend: Reopenable, now: () => number): Promise<SessionLog> {
  const log = openSessionLogOn(backend, { clock: now, replayWindow: 0, checkpointEvery: 2 });
  for (let i = 0; i < SESSIONS; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => log.addMessages(`s${i + j}`, [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }])));
  }
  for (let i = 0; i < SESSIONS; i += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => log.addMessage(`s${i + j}`, 'user', 'c')));
  return log;
}

describe('close() during a long GC', () => {
  it('returns after the transaction in progress, and the next GC finishes the work', async () => {
    const backend = new Reopenable();
    let now = 1_700_000_000_000;
    const log = await store(backend, () => now);
    now += 1000;
    let closing: Promise<void> | undefined;
    const seen: GcReport[] = [];
    const report = await log.gc({
      onProgress: (r) => {
        seen.push(r);
        if (r.transactions === 3) closing = log.close();
      },
    });
    await closing;
    expect(report).toMatchObject({ stopped: true, transactions: 3 });
    expect(seen).toHaveLength(3);
    const partial = report.sessionsCompacted;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(SESSIONS);
    await expectCode(log.gc(), 'CLOSED');

    const again = openSessionLogOn(backend, { clock: () => now, replayWindow: 0, checkpointEvery: 2 });
    const rest = await again.gc();
    expect(rest.stopped).toBe(false);
    expect(rest.transactions).toBeGreaterThan(3);
    // Each session was compacted by one run or the other (one cut mid-session counts in both).
    expect(partial + rest.sessionsCompacted).toBeGreaterThanOrEqual(SESSIONS);
    expect(await again.gc()).toMatchObject({ sessionsCompacted: 0, eventsRemoved: 0, stopped: false });
    expect((await again.stats()).events).toBe(0);
    expect((await again.getHistory('s7')).map((m) => m.content)).toEqual(['a', 'b', 'c']);
    expect((await again.verify()).ok).toBe(true);
    await again.close();
  });

  it('a dry run and verify stop at their next page; a GC queued behind another stops at once', async () => {
    const backend = new Reopenable();
    let now = 1_700_000_000_000;
    const log = await store(backend, () => now);
    now += 1000;
    let pages = 0;
    let closing: Promise<void> | undefined;
    const first = log.gc({
      dryRun: true,
      onProgress: () => {
        if (++pages === 2) closing = log.close();
      },
    });
    const queued = log.gc();
    const writesBefore = backend.writes;
    const dry = await first;
    expect(dry).toMatchObject({ dryRun: true, stopped: true });
    expect(pages).toBe(2);
    expect(await queued).toMatchObject({ stopped: true, transactions: 0 });
    expect(backend.writes).toBe(writesBefore);
    await closing;

    const again = openSessionLogOn(backend, { clock: () => now, replayWindow: 0 });
    let verified = 0;
    let closed: Promise<void> | undefined;
    const check = again.verify({
      onProgress: () => {
        if (++verified === 2) closed = again.close();
      },
    });
    await expectCode(check, 'CLOSED');
    expect(verified).toBe(2);
    await closed;
  });

  it('a purge of a deleted session stops at close() and is finished by the next handle', async () => {
    const backend = new Reopenable();
    // A checkpoint every 4 events: each packs its events into one row, so the rows to purge are many.
    const log = openSessionLogOn(backend, { clock: () => 1000, checkpointEvery: 4 });
    for (let i = 0; i < 12_000; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => log.addMessage('big', 'user', `m${i + j}`)));
    await log.addMessage('small', 'user', 'x');
    const writes = backend.writes;
    const deleting = log.deleteSession('big');
    const closing = log.close();
    expect(await deleting).toBe(true);
    await closing;
    // The unlink and at most one purge transaction ran; the rows are still there.
    expect(backend.writes - writes).toBeLessThanOrEqual(2);
    const again = openSessionLogOn(backend, { clock: () => 1000 });
    expect((await again.stats()).pendingPurges).toBe(1);
    const report = await again.gc();
    expect(await again.stats()).toMatchObject({ pendingPurges: 0, sessions: 1, events: 1 });
    expect(report.eventsRemoved).toBeGreaterThan(0);
    await again.close();
  });
});
