import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchDependencyVersion, loadBetterSqlite3 } from './deps.js';
import { measureChurn, measureExpiry } from './gc-churn.js';
import { fdatasyncUs, inTempDir, nowUs } from './measure.js';
import { lmdbFloors } from './floors.js';
import { RESULTS_SCHEMA, type Results } from './results.js';
import { diskProfiles, type DiskPlan } from './scenarios/disk-profiles.js';
import { DISK_PROFILES } from './sync-delay.js';
import { coldStart } from './scenarios/cold-start.js';
import { sessionsList } from './scenarios/list.js';
import { writerScaling } from './scenarios/multi-process.js';
import { skipPostgres } from './peers/index.js';
import { pgServerInfo, pgUnavailable } from './pg.js';
import { readHistory } from './scenarios/reads.js';
import { historyBeforeAfter } from './scenarios/history-before-after.js';
import { commitOffLoop } from './commit-offloop.js';
import { summariser } from './scenarios/summariser.js';
import { depth } from './scenarios/writes.js';
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
  ? { gatewaySessions: 10, read: [10, 100], readMid: 100, depthShallow: 10, depthDeep: 100, list: [100, 1000], listLargest: 1000, coldStartSessions: 200, coldStartEventsPerSession: 5, summariserTurns: 20, writers: 4, scalingWriters: [1, 2], scalingSessions: 1, scalingAppendsPerSession: 5 }
  : { gatewaySessions: 100, read: [100, 1000, 10_000], readMid: 1000, depthShallow: 100, depthDeep: 10_000, list: [1000, 10_000, 100_000], listLargest: 100_000, coldStartSessions: 100_000, coldStartEventsPerSession: 20, summariserTurns: 250, writers: 4, scalingWriters: [1, 2, 4, 8], scalingSessions: 4, scalingAppendsPerSession: 100 };

/**
 * The write scenarios on each disk profile, each store in a child process for a fixed time (a
 * store that syncs per write does ~100 appends/s at +8 ms a sync). --quick: the local disk and one
 * slow profile, at toy lengths, so CI runs the preload, the children and the throwaway server.
 */
const diskPlan: DiskPlan = quick
  ? { sessions: sizes.gatewaySessions, saturatedSec: 0.15, pacedPerSec: 2000, pacedSec: 0.2, singleMax: 30, singleMin: 5, singleSec: 0.15, writers: 2, writerSessions: 2, writersSec: 0.15, writersOnLocalDisk: false }
  : { sessions: sizes.gatewaySessions, saturatedSec: 3, pacedPerSec: 2000, pacedSec: 4, singleMax: 1000, singleMin: 50, singleSec: 3, writers: sizes.writers, writerSessions: 25, writersSec: 3, writersOnLocalDisk: true };
const profiles = quick ? DISK_PROFILES.filter((p) => p.syncDelayUs <= 2000) : DISK_PROFILES;

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
// Each step is one line here: its name (shown on stderr and in the report's seconds per step)
// and the call; a new comparison is one more line.
const disks = await step('1–2. writes on each disk profile', () => diskProfiles(diskPlan, profiles));
const local = disks.profiles.find((p) => p.syncDelayUs === 0)?.rows ?? [];
const scenarios: Results['scenarios'] = {
  gateway: local.map((x) => ({ peer: x.peer, durability: x.durability, appendsPerSec: x.saturated.appendsPerSec })),
  singleAgent: local.map((x) => ({ peer: x.peer, durability: x.durability, p50Us: x.singleAgent.p50Us, p99Us: x.singleAgent.p99Us })),
  read: await step('3. read history', () => readHistory(sizes.read)),
  depth: await step('4. depth', () => depth(sizes.depthShallow, sizes.depthDeep, quick ? 10 : 100)),
  list: await step('5. sessions list', () => sessionsList(sizes.list)),
  coldStart: await step('6. cold start', () => coldStart(sizes.coldStartSessions, sizes.coldStartEventsPerSession)),
  summariser: await step('7. summariser', () => summariser(sizes.summariserTurns)),
  gc: await step('8. GC and churn', async () => ({
    expiry: await measureExpiry(quick ? 500 : 100_000, 3),
    churn: await measureChurn(quick ? 3 : 40, quick ? 20 : 500, 20),
  })),
  multiProcess: local.flatMap((x) => (x.multiProcess === undefined ? [] : [{ peer: x.peer, durability: x.durability, appendsPerSec: x.multiProcess.appendsPerSec }])),
  writerScaling: await step('10. writer scaling', () => writerScaling(sizes.scalingWriters, sizes.scalingSessions, sizes.scalingAppendsPerSession)),
  // Builds an old commit of src: left out of --quick (CI's clone may lack that history).
  historyBeforeAfter: quick ? undefined : await step('11. getHistory before/after the async API', () => historyBeforeAfter(false)),
  // Also builds an old commit (6079a32, before commits left the event loop): full runs only.
  commitOffLoop: quick ? undefined : await step('12. commits off the event loop, before/after', () => commitOffLoop(false)),
};

const results: Results = {
  schemaVersion: RESULTS_SCHEMA,
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
  diskProfiles: disks,
  scenarios,
  targets: [],
};
results.targets = checkTargets(results);

mkdirSync(`${root}bench/results`, { recursive: true });
const out = `${root}bench/results/${quick ? 'latest.quick.json' : 'latest.json'}`;
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`\nfdatasync (4 KiB, median): ${fsync.toFixed(0)} µs; whole run ${results.durationSec.toFixed(0)} s\n`);
for (const p of disks.profiles) {
  if (p.skipped !== undefined) {
    process.stdout.write(`${p.name}: skipped, ${p.skipped}\n`);
    continue;
  }
  process.stdout.write(`${p.name} (fdatasync ${(p.fdatasyncUs ?? NaN).toFixed(0)} µs): saturated appends/s, loop p99 ms | paced appends/s, loop p99 ms | single agent p50 µs | multi-process appends/s\n`);
  for (const x of p.rows) {
    const f = (v: number | null, d = 0) => (v === null || !Number.isFinite(v) ? 'n/a' : v.toFixed(d));
    process.stdout.write(`  ${x.peer.padEnd(18)} ${f(x.saturated.appendsPerSec).padStart(7)} ${f(x.saturated.loop.p99Ms, 1).padStart(7)} | ${f(x.paced.appendsPerSec).padStart(6)} ${f(x.paced.loop.p99Ms, 1).padStart(7)} | ${f(x.singleAgent.p50Us).padStart(6)} | ${f(x.multiProcess?.appendsPerSec ?? null)}\n`);
  }
  for (const s of p.skippedStores) process.stdout.write(`  ${s.peer}: no row, ${s.reason}\n`);
}
for (const t of results.targets) process.stdout.write(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.measured} (target ${t.target})\n`);
if (pgSkipped !== undefined) process.stdout.write(`PostgreSQL rows skipped: ${pgSkipped}\n`);
process.stdout.write(`results: ${out}\n`);
