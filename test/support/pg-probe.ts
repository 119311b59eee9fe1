import pg from 'pg';

/** The PostgreSQL the tests use: TURNLOG_PG_URL, or the project machines' local server. */
export const PG_URL = process.env['TURNLOG_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

let probed: Promise<string | undefined> | undefined;

/**
 * Undefined when PostgreSQL answers at PG_URL, else why not (the reason the PostgreSQL tests
 * name when they skip). With TURNLOG_REQUIRE_PG=1 (CI) an unreachable server fails instead.
 */
export function pgUnavailable(): Promise<string | undefined> {
  probed ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return undefined;
    } catch (error) {
      const why = `no PostgreSQL at ${PG_URL.replace(/\/\/[^@]*@/, '//…@')} (${error instanceof Error ? error.message : String(error)}); set TURNLOG_PG_URL`;
      if (process.env['TURNLOG_REQUIRE_PG'] === '1') throw new Error(`TURNLOG_REQUIRE_PG=1 but ${why}`);
      return why;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return probed;
}
