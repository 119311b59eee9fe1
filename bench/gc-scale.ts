import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSessionLog } from '../src/open.js';
import { blockFigures, blocking } from './loop-delay.js';

/**
 * Scale figures for docs/reliability.md (part of `npm run soak`, or alone:
 * `npm run build:dev && node dist-dev/bench/gc-scale.js [events] [sessions]`), on LMDB:
 * - GC of one session of 1,000,000 events (replay window 0): transactions, longest
 *   transaction, total time, and the longest event-loop block while it runs;
 * - verify and a GC dry run on 200,000 sessions: the longest event-loop block (largest gap
 *   between two turns of a setImmediate loop, and perf_hooks' event-loop delay maximum).
 */
const EVENTS = Number(process.argv[2] ?? 1_000_000);
const SESSIONS = Number(process.argv[3] ?? 200_000);

const round = (x: number, d = 1): number => Number(x.toFixed(d));

async function bigSession(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-gc-scale-'));
  try {
    let now = 1_700_000_000_000;
    const path = join(dir, 's');
    const log = openSessionLog({ path, clock: () => now, replayWindow: 0 });
    const seedStarted = performance.now();
    for (let i = 0; i < EVENTS; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => log.addMessage('big', j % 2 ? 'assistant' : 'user', `message ${i + j}`)));
    }
    const seedS = (performance.now() - seedStarted) / 1000;
    now += 1000;
    const fileBefore = statSync(join(path, 'data.mdb')).size;
    const dry = await blocking(() => log.gc({ dryRun: true }));
    const gc = await blocking(() => log.gc());
    const stats = await log.stats();
    await log.close();
    return {
      events: EVENTS,
      seedSeconds: round(seedS),
      dataFileBytes: fileBefore,
      dryRunMs: round(dry.ms, 0),
      dryRunEventsCounted: dry.result.eventsRemoved,
      ...blockFigures('dryRun', dry),
      gcEventsRemoved: gc.result.eventsRemoved,
      gcTransactions: gc.result.transactions,
      gcLongestTransactionMs: round(gc.result.longestTransactionMs),
      gcTotalSeconds: round(gc.result.durationMs / 1000),
      ...blockFigures('gc', gc),
      eventsLeft: stats.events,
      loadAverage: round(loadavg()[0] ?? 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function manySessions(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-verify-scale-'));
  try {
    let now = 1_700_000_000_000;
    const log = openSessionLog({ path: join(dir, 's'), clock: () => now, replayWindow: '1h' });
    const seedStarted = performance.now();
    for (let s = 0; s < SESSIONS; s += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, SESSIONS - s) }, (_, i) => log.addMessages(`session:${s + i}`, [{ role: 'user', content: `hello ${s + i}` }, { role: 'assistant', content: 'hi' }])));
    }
    const seedS = (performance.now() - seedStarted) / 1000;
    now += 2 * 3_600_000; // every session has left the replay window: the dry run counts all of them
    const verify = await blocking(() => log.verify());
    const dry = await blocking(() => log.gc({ dryRun: true }));
    await log.close();
    return {
      sessions: SESSIONS,
      seedSeconds: round(seedS),
      verifyOk: verify.result.ok ? 1 : 0,
      verifySeconds: round(verify.ms / 1000),
      ...blockFigures('verify', verify),
      dryRunSeconds: round(dry.ms / 1000),
      dryRunCompacted: dry.result.sessionsCompacted,
      ...blockFigures('dryRun', dry),
      loadAverage: round(loadavg()[0] ?? 0),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const out = {
  date: new Date().toISOString(),
  command: `node dist-dev/bench/gc-scale.js ${EVENTS} ${SESSIONS}`,
  node: process.version,
  cpu: cpus()[0]?.model,
  oneSession: await bigSession(),
  manySessions: await manySessions(),
};
const results = fileURLToPath(new URL('../../bench/results/', import.meta.url));
mkdirSync(results, { recursive: true });
writeFileSync(`${results}gc-scale.json`, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
