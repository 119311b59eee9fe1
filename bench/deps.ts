import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * The SQLite peer's driver, better-sqlite3: an optional dependency of the package (the openclaw
 * SQLite importer loads it on demand too), so `npm ci` installs it into the package's
 * node_modules, compiling it from source where no prebuilt binary fits. An install that skipped
 * or failed it (optional dependencies may) leaves the benchmark without its SQLite rows: it stops
 * with a message saying how to get it back rather than measuring fewer stores than it claims.
 */
const requireRoot = createRequire(new URL('../../package.json', import.meta.url));

function missing(error: unknown): Error {
  const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new Error(
    `bench: better-sqlite3 (the SQLite peer) cannot be loaded from the package's node_modules (${why}). ` +
      'It is an optional dependency: `npm ci` installs it, compiling from source where needed (python3, make and a C++ compiler); ' +
      'run `npm ci` again, or `npm rebuild better-sqlite3`, and read its output.',
  );
}

let loaded: typeof BetterSqlite3 | undefined;

/** The better-sqlite3 constructor, checked by opening an in-memory database (the addon loads only then). */
export function loadBetterSqlite3(): typeof BetterSqlite3 {
  if (loaded !== undefined) return loaded;
  try {
    const Database = requireRoot('better-sqlite3') as typeof BetterSqlite3;
    new Database(':memory:').close();
    loaded = Database;
    return Database;
  } catch (error) {
    throw missing(error);
  }
}

/** Version of an installed dependency, from the copy the package's node_modules resolves. */
export function benchDependencyVersion(name: string): string {
  return (JSON.parse(readFileSync(requireRoot.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
}
