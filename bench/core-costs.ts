import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSessionLog } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';

/**
 * Core costs of one session on LMDB: the price of an append and of getHistory at 100 and
 * 10,000 visible messages, across checkpoint cadences. It is what the default `checkpointEvery`
 * was chosen from. Reads are measured at every point of a checkpoint cycle (tail of 0 to N-1
 * events), so the figure is the average a reader meets, not the best case.
 */
export interface CadenceResult {
  checkpointEvery: number;
  /** p50 of a lone append, flushed (turnlog's only durability). */
  appendFlushedUs: number;
  read100Ms: number;
  read10kMs: number;
  fileBytesPerMessage: number;
}

const message = (i: number) => ({
  role: i % 4 === 0 ? 'user' : 'assistant',
  content: `Message ${i}: `.padEnd(400, 'lorem ipsum dolor sit amet '),
  ...(i % 4 === 1 ? { tool_calls: [{ id: `c${i}`, type: 'function', function: { name: 'search', arguments: '{"q":"weather"}' } }] } : {}),
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function timeAppends(log: SessionLog, key: string, n: number, offset: number): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    await log.addFullMessage(key, message(offset + i));
    t.push(Number(process.hrtime.bigint() - s) / 1000);
  }
  return median(t);
}

async function readCost(log: SessionLog, key: string, cadence: number, offset: number): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < cadence; i++) {
    await log.addFullMessage(key, message(offset + i));
    for (let r = 0; r < 3; r++) {
      const s = process.hrtime.bigint();
      await log.getHistory(key);
      t.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
  }
  return t.reduce((a, b) => a + b, 0) / t.length;
}

export async function measureCadence(cadence: number, big: number): Promise<CadenceResult> {
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-bench-'));
  try {
    const path = join(dir, 'store');
    const log = openSessionLog({ path, checkpointEvery: cadence });
    // Fill with single appends (the real shape of a session), in bursts that share commits.
    for (let i = 0; i < big; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => log.addFullMessage('big', message(i + j))));
    for (let i = 0; i < 100; i++) await log.addFullMessage('small', message(i));
    const appendFlushedUs = await timeAppends(log, 'append', 300, 0);
    const read100Ms = await readCost(log, 'small', cadence, 100);
    const read10kMs = await readCost(log, 'big', cadence, big);
    const fileBytes = Number((await log.stats()).storage['fileBytes']);
    await log.close();
    return { checkpointEvery: cadence, appendFlushedUs, read100Ms, read10kMs, fileBytesPerMessage: fileBytes / (big + 100 + cadence * 2 + 300) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
