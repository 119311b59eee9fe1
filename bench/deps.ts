import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * Benchmark-only dependencies live in bench/deps, with their own package.json and lockfile, so
 * the package's `npm ci` does not install them: better-sqlite3 (the SQLite peer) compiles from
 * source, most of what an install used to take. The first benchmark run installs them there,
 * once, saying so; `npm run bench` stays one command. Their types stay a dev dependency of the
 * package, so bench/ type-checks without them.
 */
const DIR = fileURLToPath(new URL('../../bench/deps/', import.meta.url));
const requireDep = createRequire(`${DIR}package.json`);

function install(): void {
  process.stderr.write('bench: installing the benchmark-only dependencies (better-sqlite3) into bench/deps, once: `npm ci` there, which may compile SQLite (a minute or two)\n');
  // Run by `npm run …`, npm names itself; otherwise take the npm on the PATH.
  const npm = process.env['npm_execpath'];
  const args = ['ci', '--no-audit', '--no-fund'];
  const r = npm !== undefined && npm.endsWith('.js')
    ? spawnSync(process.execPath, [npm, ...args], { cwd: DIR, stdio: ['ignore', 2, 2] })
    : spawnSync('npm', args, { cwd: DIR, stdio: ['ignore', 2, 2], shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error(`bench: \`npm ci\` in ${DIR} failed (${r.error?.message ?? `exit ${r.status}`}): run it there to see why`);
}

/** better-sqlite3 loads its compiled addon only when a database opens: open one to know it works. */
function probe(): typeof BetterSqlite3 {
  const Database = requireDep('better-sqlite3') as typeof BetterSqlite3;
  new Database(':memory:').close();
  return Database;
}

/** The better-sqlite3 constructor from bench/deps, installed there first if it is missing or unbuilt. */
export function loadBetterSqlite3(): typeof BetterSqlite3 {
  try {
    return probe();
  } catch {
    install();
    return probe();
  }
}

/** Version of a benchmark-only dependency, from the copy that `loadBetterSqlite3` loads (resolved the same way). */
export function benchDependencyVersion(name: string): string {
  return (JSON.parse(readFileSync(requireDep.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
}
