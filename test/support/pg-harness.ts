import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgresSessionLog } from '../../src/postgres/open-postgres.js';
import type { SessionLog } from '../../src/engine/session-log.js';
import type { SessionLogOptions } from '../../src/engine/options.js';

/**
 * PostgreSQL for the tests: the server the project's machines and CI run, at TURNLOG_PG_URL or
 * the default below. Probed once per test file, with a short timeout, when this module loads.
 * Unreachable: the PostgreSQL tests are left out and test/conformance.test.ts shows the one
 * skipped line saying why; with TURNLOG_REQUIRE_PG=1 (CI) they stay in and each fails, saying why.
 */
export const PG_URL = process.env['TURNLOG_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The URL with any password masked, for messages. */
export const PG_URL_SHOWN = PG_URL.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');

/** Connections per opened log: tests open many logs at once across files; the server allows 100 in all. */
const POOL_SIZE = 3;

export interface PgProbe {
  available: boolean;
  /** Why not, when not available. */
  reason?: string;
}

async function probe(): Promise<PgProbe> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { available: true };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message || error.name : String(error) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const PG: PgProbe = await probe();

/** CI sets this: an unreachable server fails the PostgreSQL tests instead of skipping them. */
export const PG_REQUIRED = process.env['TURNLOG_REQUIRE_PG'] === '1';

/** Why PostgreSQL tests fail when the server is required and unreachable. */
export const PG_UNREACHABLE = `TURNLOG_REQUIRE_PG=1 but no PostgreSQL at ${PG_URL_SHOWN} (${PG.reason ?? ''}); start it or set TURNLOG_PG_URL`;

/** The line shown (as a skipped suite) when PostgreSQL tests do not run. */
export const PG_SKIP_TITLE = `postgres: skipped — no PostgreSQL at ${PG_URL_SHOWN} (${PG.reason ?? ''}; set TURNLOG_PG_URL, or TURNLOG_REQUIRE_PG=1 to fail instead)`;

/** Runs one statement on a short-lived connection of its own (schema set-up and removal). */
export async function pgAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh schema name: `t_` and 12 random hex digits. */
export function freshSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/**
 * What a PostgreSQL store takes of the options the tests pass: the lifecycle ones. The rest are
 * LMDB's (durability, files, encryption) or its engine's tuning (checkpoints, the read cache),
 * meaningless for PostgreSQL; a test that exercises them runs on LMDB and memory only.
 */
export function pgLifecycleOptions(options: Omit<SessionLogOptions, 'path'>): Omit<SessionLogOptions, 'path' | 'durability' | 'checkpointEvery' | 'readCacheBytes' | 'create' | 'checkOnOpen' | 'encryptionKey'> {
  const { durability: _d, checkpointEvery: _c, readCacheBytes: _r, create: _n, checkOnOpen: _o, encryptionKey: _e, ...rest } = options;
  return rest;
}

/** One schema for one test: every `open` opens it (the first creates it); `dispose` drops it. */
export function pgHarness(schema = freshSchema()): {
  readonly name: string;
  readonly schema: string;
  open(options?: Omit<SessionLogOptions, 'path'>): Promise<SessionLog>;
  dispose(): Promise<void>;
} {
  if (!PG.available) throw new Error(PG_UNREACHABLE);
  const open = new Set<SessionLog>();
  let used = false;
  return {
    name: 'postgres',
    schema,
    async open(options = {}) {
      used = true;
      const log = await openPostgresSessionLog({ ...pgLifecycleOptions(options), connectionString: PG_URL, schema, poolSize: POOL_SIZE });
      // dispose() closes only what the test left open: that close() is idempotent is checked by
      // the conformance suite itself, and must not decide every other test's outcome.
      const close = log.close.bind(log);
      log.close = () => {
        open.delete(log);
        return close();
      };
      open.add(log);
      return log;
    },
    async dispose() {
      // The schema goes even when a close fails (that failure is still the test's): no test leaves one behind.
      const closing = await Promise.allSettled([...open].map((log) => log.close()));
      if (used) await pgAdmin(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      const failed = closing.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}
