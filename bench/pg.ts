import { basename } from 'node:path';
import pg from 'pg';

/**
 * The PostgreSQL the benchmark uses: TURNLOG_PG_URL, or the project machines' local server (the
 * same default as the tests).
 */
export const PG_URL = process.env['TURNLOG_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const redacted = (url: string) => url.replace(/\/\/[^@]*@/, '//…@');

let probed: Promise<string | undefined> | undefined;

/**
 * Undefined when PostgreSQL answers at PG_URL, else the reason its rows are skipped. With
 * TURNLOG_REQUIRE_PG=1 (CI) an unreachable server rejects instead, so a broken setup cannot pass
 * as a skipped peer.
 */
export function pgUnavailable(): Promise<string | undefined> {
  probed ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (error) {
      const why = `no PostgreSQL at ${redacted(PG_URL)} (${error instanceof Error ? error.message : String(error)}); set TURNLOG_PG_URL`;
      if (process.env['TURNLOG_REQUIRE_PG'] === '1') throw new Error(`TURNLOG_REQUIRE_PG=1 but ${why}`);
      return why;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return probed;
}

/**
 * The schema of a scenario run, derived from its temporary directory so that a reopen and the
 * child processes of the run find the same one: `bench_` + the directory's random suffix.
 */
export function schemaFor(dir: string): string {
  return `bench_${basename(dir).replace(/[^a-z0-9]/gi, '').toLowerCase()}`;
}

/** Drops a run's schema and everything in it; a schema never created is no error. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** The server's version and its commit durability, for the report's header. */
export async function pgServerInfo(url = PG_URL): Promise<{ version: string; synchronousCommit: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const row = (await client.query<{ v: string; s: string }>("SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS s")).rows[0];
    const v = row?.v ?? 'unknown';
    return { version: v.split(' ')[0] ?? v, synchronousCommit: row?.s ?? 'unknown' };
  } finally {
    await client.end();
  }
}
