import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `npm run soak` (not in CI): the reliability tests at soak sizes — 1,000 SIGKILL rounds per
 * crash mode, 500 damaged-file rounds, 1,000 runs of every property — then the figures they
 * recorded, summed, into bench/results/soak.json for docs/reliability.md, with the scale figures
 * of bench/gc-scale.ts (GC of one 1,000,000-event session, verify on 200,000 sessions).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const results = fileURLToPath(new URL('../../bench/results/', import.meta.url));
mkdirSync(results, { recursive: true });
const figuresFile = `${results}soak-figures.tmp`;
rmSync(figuresFile, { force: true });
const env = {
  ...process.env,
  TURNLOG_FIGURES: figuresFile,
  TURNLOG_CRASH_ROUNDS: process.env['TURNLOG_CRASH_ROUNDS'] ?? '1000',
  TURNLOG_DAMAGE_ROUNDS: process.env['TURNLOG_DAMAGE_ROUNDS'] ?? '500',
  TURNLOG_PROP_RUNS: process.env['TURNLOG_PROP_RUNS'] ?? '1000',
};
const files = ['test/crash.int.test.ts', 'test/damaged.int.test.ts', 'test/fuzz.prop.test.ts', 'test/races.prop.test.ts', 'test/session-log.prop.test.ts', 'test/gc.prop.test.ts', 'test/multiprocess.int.test.ts', 'test/disk-full.int.test.ts', 'test/encryption.int.test.ts'];
const started = Date.now();
const run = spawnSync('npx', ['vitest', 'run', '--testTimeout=7200000', '--hookTimeout=600000', ...files], { cwd: root, env, stdio: 'inherit' });
// Scale figures (GC of a 1,000,000-event session, verify and a dry run on 200,000 sessions).
const scaleRun = spawnSync(process.execPath, [fileURLToPath(new URL('./gc-scale.js', import.meta.url))], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const scaleFile = `${results}gc-scale.json`;
const scale = scaleRun.status === 0 && existsSync(scaleFile) ? (JSON.parse(readFileSync(scaleFile, 'utf8')) as unknown) : undefined;
const figures: Record<string, number> = {};
if (existsSync(figuresFile)) {
  for (const line of readFileSync(figuresFile, 'utf8').trim().split('\n')) {
    if (line === '') continue;
    const { name, value } = JSON.parse(line) as { name: string; value: number };
    figures[name] = (figures[name] ?? 0) + value;
  }
  rmSync(figuresFile, { force: true });
}
const out = {
  date: new Date().toISOString(),
  command: 'npm run soak',
  settings: { crashRounds: Number(env.TURNLOG_CRASH_ROUNDS), damageRounds: Number(env.TURNLOG_DAMAGE_ROUNDS), propertyRuns: Number(env.TURNLOG_PROP_RUNS) },
  node: process.version,
  cpu: cpus()[0]?.model,
  minutes: Math.round((Date.now() - started) / 60_000),
  passed: run.status === 0 && scaleRun.status === 0,
  figures,
  scale,
};
writeFileSync(`${results}soak.json`, `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`\n${JSON.stringify(out, null, 2)}\n`);
process.exitCode = run.status ?? 1;
