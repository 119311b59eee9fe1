import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchDependencyVersion, loadBetterSqlite3 } from './deps.js';
import { measureChurn, measureExpiry } from './gc-churn.js';
import { fdatasyncUs, inTempDir, nowUs } from './measure.js';
import { lmdbFloors } from './floors.js';
import type { Results } from './results.js';
import { coldStart } from './scenarios/cold-start.js';
import { sessionsList } from './scenarios/list.js';
import { multiProcess, writerScaling } from './scenarios/multi-process.js';
import { skipPostgres } from './peers/index.js';
import { pgServerInfo, pgUnavailable } from './pg.js';
import { readHistory } from './scenarios/reads.js';
import { historyBeforeAfter } from './scenarios/history-before-after.js';
import { summariser } from './scenarios/summariser.js';
import { depth, gateway, singleAgent } from './scenarios/writes.js';
import { checkTargets } from './targets.js';

/**
 * `npm run bench [-- --quick]`: every scenario against every peer in one run, then
 * bench/results/latest.json (quick: latest.quick.json) and a summary on stdout.
 * `npm run bench:report` turns latest.json into docs/benchmarks.md and its chart.
 * --quick runs toy sizes in seconds so CI keeps the harness working; its numbers mean nothing.
 */
const quick = process.argv.includes('--quick');
const root = fileURLToPath(new URL('../..', import.meta.url));
const started = nowUs();

const sizes: Results['sizes'] = quick
  ? { gatewaySessions: 10, gatewayAppendsPerSession: 5, singleAgentAppends: 50, read: [10, 100], readMid: 100, depthShallow: 10, depthDeep: 100, list: [100, 1000], listLargest: 1000, coldStartSessions: 200, coldStartEventsPerSession: 5, summariserTurns: 20, writers: 4, scalingWriters: [1, 2], scalingSessions: 1, scalingAppendsPerSession: 5 }
  : { gatewaySessions: 100, gatewayAppendsPerSession: 50, singleAgentAppends: 1000, read: [100, 1000, 10_000], readMid: 1000, depthShallow: 100, depthDeep: 10_000, list: [1000, 10_000, 100_000], listLargest: 100_000, coldStartSessions: 100_000, coldStartEventsPerSession: 20, summariserTurns: 250, writers: 4, scalingWriters: [1, 2, 4, 8], scalingSessions: 4, scalingAppendsPerSession: 100 };

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
}

function filesystem(): string {
  const r = spawnSync('df', ['-T', tmpdir()], { encoding: 'utf8' });
  return r.stdout.split('\n')[1]?.split(/\s+/)[1] ?? 'unknown';
}

/** Seconds each scenario took, so the cost of every store in the run stays visible. */
const stepSec: Record<string, number> = {};
const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
  process.stderr.write(`${name}\n`);
  const s = nowUs();
  try {
    return await fn();
  } finally {
    stepSec[name] = (nowUs() - s) / 1e6;
  }
};

const sqliteVersion = (() => {
  const db = new (loadBetterSqlite3())(':memory:');
  const v = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  return v;
})();

// PostgreSQL's rows need a server; without one they are skipped with the reason printed (with
// TURNLOG_REQUIRE_PG=1, as in CI, pgUnavailable rejects and the run fails instead).
const pgSkipped = await pgUnavailable();
if (pgSkipped !== undefined) {
  process.stderr.write(`PostgreSQL rows skipped: ${pgSkipped}\n`);
  skipPostgres();
}
const postgres: Results['postgres'] = pgSkipped === undefined ? await pgServerInfo() : { skipped: pgSkipped };

const fsync = await inTempDir(async (dir) => fdatasyncUs(dir, quick ? 50 : 1000));
const floors = await inTempDir((dir) => lmdbFloors(dir, quick ? 50 : 1000));
const scenarios: Results['scenarios'] = {
  gateway: await step('1. gateway load', () => gateway(sizes.gatewaySessions, sizes.gatewayAppendsPerSession)),
  singleAgent: await step('2. single agent', () => singleAgent(sizes.singleAgentAppends)),
  read: await step('3. read history', () => readHistory(sizes.read)),
  depth: await step('4. depth', () => depth(sizes.depthShallow, sizes.depthDeep, quick ? 10 : 100)),
  list: await step('5. sessions list', () => sessionsList(sizes.list)),
  coldStart: await step('6. cold start', () => coldStart(sizes.coldStartSessions, sizes.coldStartEventsPerSession)),
  summariser: await step('7. summariser', () => summariser(sizes.summariserTurns)),
  gc: await step('8. GC and churn', async () => ({
    expiry: await measureExpiry(quick ? 500 : 100_000, 3),
    churn: await measureChurn(quick ? 3 : 40, quick ? 20 : 500, 20),
  })),
  multiProcess: await step('9. multi-process', () => multiProcess(sizes.writers, quick ? 2 : 25, quick ? 5 : 40)),
  writerScaling: await step('10. writer scaling', () => writerScaling(sizes.scalingWriters, sizes.scalingSessions, sizes.scalingAppendsPerSession)),
  // Builds an old commit of src: left out of --quick (CI's clone may lack that history).
  historyBeforeAfter: quick ? undefined : await step('11. getHistory before/after the async API', () => historyBeforeAfter(false)),
};

const results: Results = {
  date: new Date().toISOString(),
  quick,
  machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), os: `${type()} ${release()}`, filesystem: filesystem() },
  versions: {
    node: process.version,
    turnlog: (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version,
    lmdb: versionOf('lmdb'),
    msgpackr: versionOf('msgpackr'),
    'better-sqlite3': benchDependencyVersion('better-sqlite3'),
    sqlite: sqliteVersion,
  },
  postgres,
  fdatasyncUs: fsync,
  lmdbFloors: floors,
  durationSec: (nowUs() - started) / 1e6,
  stepSec,
  sizes,
  scenarios,
  targets: [],
};
results.targets = checkTargets(results);

mkdirSync(`${root}bench/results`, { recursive: true });
const out = `${root}bench/results/${quick ? 'latest.quick.json' : 'latest.json'}`;
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\nfdatasync (4 KiB, median): ${fsync.toFixed(0)} µs; whole run ${results.durationSec.toFixed(0)} s\n`);
for (const t of results.targets) process.stdout.write(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.measured} (target ${t.target})\n`);
if (pgSkipped !== undefined) process.stdout.write(`PostgreSQL rows skipped: ${pgSkipped}\n`);
process.stdout.write(`results: ${out}\n`);
