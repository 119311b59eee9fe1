import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSessionLog } from '../src/open.js';

/**
 * What one `listSessions` call costs on LMDB (docs/operations.md, "Listing sessions"):
 * `node dist-dev/bench/list-scan.js [sessions]` writes that many sessions (one message each,
 * one with a rare prefix, written first so it is the oldest) and times, best of 5, a page of 50
 * without a prefix, a page with a prefix that matches every session, and a walk to the rare
 * session with a prefix nothing else matches (how many calls it took, the whole walk's time, and
 * the median time of one call over 5 walks).
 */
const SESSIONS = Number(process.argv[2] ?? 60_000);

async function best(fn: () => Promise<unknown>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-list-'));
  const log = openSessionLog({ path: join(dir, 'store') });
  try {
    await log.addMessage('rare:0', 'user', 'x');
    for (let i = 0; i < SESSIONS - 1; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, SESSIONS - 1 - i) }, (_, j) => log.addMessage(`chat:${i + j}`, 'user', 'hello')));
    }
    await new Promise((resolve) => setImmediate(resolve));
    const plain = await best(() => log.listSessions({ limit: 50 }));
    const matching = await best(() => log.listSessions({ limit: 50, prefix: 'chat:' }));
    let calls = 0;
    let found = 0;
    const callMs: number[] = [];
    const total = await best(async () => {
      calls = 0;
      found = 0;
      let cursor: string | undefined;
      do {
        const t = performance.now();
        const page = await log.listSessions({ limit: 50, prefix: 'rare:', ...(cursor === undefined ? {} : { cursor }) });
        callMs.push(performance.now() - t);
        calls++;
        found += page.sessions.length;
        cursor = page.cursor;
      } while (cursor !== undefined);
    });
    callMs.sort((a, b) => a - b);
    const median = callMs[Math.floor(callMs.length / 2)] ?? 0;
    console.log(JSON.stringify({ sessions: SESSIONS, plainPageMs: +plain.toFixed(2), matchingPrefixPageMs: +matching.toFixed(2), rarePrefix: { found, calls, totalMs: +total.toFixed(1), medianCallMs: +median.toFixed(1) } }));
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
