import { turnsDuring } from './support/event-loop.js';
import { describe, expect, it } from 'vitest';
import { openSessionLogOn } from '../src/open.js';
import type { ReadTxn } from '../src/storage/backend.js';
import { CountingBackend } from './support/counting-backend.js';

/** Rows read per read transaction (never time). */
class PerRead extends CountingBackend {
  readonly reads: number[] = [];
  override read<T>(fn: (tx: ReadTxn) => T): T {
    return super.read((tx) => {
      const before = this.rowsRead;
      try {
        return fn(tx);
      } finally {
        this.reads.push(this.rowsRead - before);
      }
    });
  }
}

describe('verify is asynchronous and paged', () => {
  it('lets the event loop run, reads in bounded pages, and spreads a huge session over several', async () => {
    const backend = new PerRead();
    const log = openSessionLogOn(backend, { checkpointEvery: 16, readCacheBytes: 0 });
    for (let i = 0; i < 20_000; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => log.addMessage('big', 'user', `m${i + j}`)));
    await log.truncateHistory('big', 50);
    for (let s = 0; s < 500; s += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => log.addMessage(`s${s + j}`, 'user', 'hi')));
    backend.reads.length = 0;
    const progress: number[] = [];
    const { result, turns } = await turnsDuring(() => log.verify({ onProgress: (done) => progress.push(done) }));
    expect(result).toMatchObject({ ok: true, sessions: 501, events: 20_501 + 0 });
    // 20,000 events of one session cannot fit one page of 2,000 folded events.
    expect(backend.reads.length).toBeGreaterThan(10);
    expect(turns).toBeGreaterThanOrEqual(10);
    // A page folds at most 2,000 events; each event is read with the checkpoints beside it.
    expect(Math.max(...backend.reads), backend.reads.join(',')).toBeLessThan(5_000);
    expect(progress.at(-1)).toBe(501);
    await log.close();
  }, 60_000);

  it('writes, deletions and GC landing between its pages give no false mismatch', async () => {
    let now = 1_700_000_000_000;
    const backend = new PerRead();
    const log = openSessionLogOn(backend, { checkpointEvery: 8, clock: () => now, replayWindow: 0 });
    for (let i = 0; i < 12_000; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => log.addMessage('big', 'user', `m${i + j}`)));
    for (let s = 0; s < 300; s++) await log.addMessage(`s${s}`, 'user', 'hi');
    let writes = 0;
    const report = await log.verify({
      onProgress: () => {
        // Each page: the big session grows and is collected, a small one is deleted, one is created.
        writes++;
        now += 1000;
        void log.addMessage('big', 'assistant', `w${writes}`);
        void log.deleteSession(`s${writes}`);
        void log.addMessage(`new${writes}`, 'user', 'hello');
        void log.gc();
      },
    });
    expect(writes).toBeGreaterThan(3);
    expect(report.mismatches).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect((await log.verify()).ok).toBe(true);
    await log.close();
  }, 60_000);
});
