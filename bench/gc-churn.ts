import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSessionLog } from '../src/open.js';

/**
 * GC at scale and under churn, on LMDB:
 * - expiry throughput: N sessions all idle past the ttl, one gc() → sessions expired per second,
 *   and the longest single GC transaction (≈ the longest write-lock hold);
 * - churn: write a batch of sessions, let them expire, GC, repeat; the data file size after every
 *   cycle shows whether LMDB reuses freed pages (it levels off) or grows.
 */
const message = (i: number) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i} `.padEnd(400, 'churn ') });

export interface ExpiryResult {
  sessions: number;
  eventsPerSession: number;
  expirePerSecond: number;
  gcMs: number;
  transactions: number;
  longestTransactionMs: number;
}

export async function measureExpiry(sessions: number, eventsPerSession: number): Promise<ExpiryResult> {
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-bench-gc-'));
  try {
    let now = 1_700_000_000_000;
    const log = openSessionLog({ path: join(dir, 's'), clock: () => now, ttl: '1h', maxExpireShare: 1 });
    const burst = 500;
    for (let s = 0; s < sessions; s += burst) {
      for (let e = 0; e < eventsPerSession; e++) {
        await Promise.all(Array.from({ length: Math.min(burst, sessions - s) }, (_, i) => log.addFullMessage(`s:${s + i}`, message(e))));
      }
    }
    now += 2 * 3_600_000;
    const r = await log.gc();
    await log.close();
    return {
      sessions,
      eventsPerSession,
      expirePerSecond: r.sessionsExpired / (r.durationMs / 1000),
      gcMs: r.durationMs,
      transactions: r.transactions,
      longestTransactionMs: r.longestTransactionMs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ChurnResult {
  cycles: number;
  sessionsPerCycle: number;
  messagesPerSession: number;
  /** data.mdb size in bytes after each cycle's GC. */
  fileBytes: number[];
}

export async function measureChurn(cycles: number, sessionsPerCycle: number, messagesPerSession: number): Promise<ChurnResult> {
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-bench-churn-'));
  try {
    let now = 1_700_000_000_000;
    const path = join(dir, 's');
    const log = openSessionLog({ path, clock: () => now, ttl: '1h', replayWindow: '10m', maxExpireShare: 1 });
    const fileBytes: number[] = [];
    for (let c = 0; c < cycles; c++) {
      for (let m = 0; m < messagesPerSession; m++) {
        await Promise.all(Array.from({ length: sessionsPerCycle }, (_, i) => log.addFullMessage(`c${c}:s${i}`, message(m))));
      }
      now += 2 * 3_600_000; // every session of this cycle is now idle past the ttl
      await log.gc();
      fileBytes.push(statSync(join(path, 'data.mdb')).size);
    }
    await log.close();
    return { cycles, sessionsPerCycle, messagesPerSession, fileBytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
