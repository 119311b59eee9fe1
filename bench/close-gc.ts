import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSessionLog } from '../src/open.js';

/**
 * How long `close()` waits for a GC in progress (docs/reliability.md, "GC work per transaction
 * is bounded"): `node dist-dev/bench/close-gc.js [sessions]` writes that many LMDB sessions,
 * starts a GC with a replay window of 0, calls `close()` 50 ms later and times it, then lets a
 * new handle's GC finish the work.
 */
const SESSIONS = Number(process.argv[2] ?? 60_000);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-close-'));
  const path = join(dir, 'store');
  let now = 1_700_000_000_000;
  const open = () => openSessionLog({ path, replayWindow: 0, clock: () => now });
  let log = open();
  try {
    for (let i = 0; i < SESSIONS; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, SESSIONS - i) }, (_, j) => log.addMessages(`s${i + j}`, [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }])));
    }
    now += 1000;
    const gc = log.gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const t = performance.now();
    await log.close();
    const closeMs = performance.now() - t;
    const first = await gc;
    log = open();
    const next = await log.gc();
    const summary = (r: typeof first) => ({ transactions: r.transactions, stopped: r.stopped, sessionsCompacted: r.sessionsCompacted });
    console.log(JSON.stringify({ sessions: SESSIONS, closeMs: +closeMs.toFixed(1), first: summary(first), next: summary(next) }));
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
