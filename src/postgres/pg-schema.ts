import { TurnlogError, invalid } from '../errors.js';
import type { PgPoolLike } from './pg-pool.js';
import { withTransaction } from './pg-pool.js';

/** The schema version this turnlog writes; a database at a newer one is UNSUPPORTED_FORMAT. */
export const PG_SCHEMA_VERSION = 1;

/**
 * A schema name turnlog accepts: a plain lower-case identifier (letters, digits, underscores, not
 * starting with a digit, at most 63 bytes), so it never needs escaping beyond double quotes and
 * never collides with case folding.
 */
export function checkSchemaName(name: unknown): string {
  if (typeof name !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(name)) invalid('schema must be a lower-case SQL identifier: letters, digits and _ (at most 63), not starting with a digit');
  return name;
}

/** Every table carries `skey` (the SHA-256 of the session key) first: the distribution column. */
function ddl(s: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.schema_version (one boolean PRIMARY KEY DEFAULT true CHECK (one), version integer NOT NULL)`,
    `CREATE SEQUENCE IF NOT EXISTS ${s}.session_numbers`,
    // The head row: one per live session. Its row lock orders the session's writers; its
    // version is what every write compares and sets.
    `CREATE TABLE IF NOT EXISTS ${s}.sessions (
      skey bytea NOT NULL PRIMARY KEY,
      sid bigint NOT NULL,
      key bytea NOT NULL,
      version bigint NOT NULL,
      start bigint NOT NULL,
      next bigint NOT NULL,
      created_at double precision NOT NULL,
      updated_at double precision NOT NULL,
      base bigint NOT NULL DEFAULT 0,
      base_start bigint,
      base_next bigint,
      base_updated_at double precision,
      last_removal bigint,
      summary text NOT NULL,
      metadata text NOT NULL,
      gc_at double precision
    )`,
    `CREATE INDEX IF NOT EXISTS sessions_recent ON ${s}.sessions (updated_at DESC, sid DESC)`,
    `CREATE INDEX IF NOT EXISTS sessions_gc ON ${s}.sessions (gc_at) WHERE gc_at IS NOT NULL`,
    // One row per event, with the visible range and recency right after it: any retained
    // version's range is one primary-key probe. Messages live in `messages`, not here.
    `CREATE TABLE IF NOT EXISTS ${s}.events (
      skey bytea NOT NULL,
      sid bigint NOT NULL,
      version bigint NOT NULL,
      at double precision NOT NULL,
      body bytea NOT NULL,
      start bigint NOT NULL,
      next bigint NOT NULL,
      updated_at double precision NOT NULL,
      rewind_from bigint,
      placed_from bigint,
      placed_count integer,
      placed_digest bytea,
      PRIMARY KEY (skey, sid, version)
    )`,
    // A message per (session, position, version that placed it): the history at version v is,
    // for each position in v's range, the row with the greatest version ≤ v — one index range.
    `CREATE TABLE IF NOT EXISTS ${s}.messages (
      skey bytea NOT NULL,
      sid bigint NOT NULL,
      pos bigint NOT NULL,
      version bigint NOT NULL,
      body text NOT NULL,
      PRIMARY KEY (skey, sid, pos, version)
    )`,
    // Summary and metadata after each event that changed them.
    `CREATE TABLE IF NOT EXISTS ${s}.states (
      skey bytea NOT NULL,
      sid bigint NOT NULL,
      version bigint NOT NULL,
      summary text,
      metadata text,
      PRIMARY KEY (skey, sid, version)
    )`,
    `CREATE TABLE IF NOT EXISTS ${s}.event_ids (
      skey bytea NOT NULL,
      sid bigint NOT NULL,
      digest bytea NOT NULL,
      version bigint NOT NULL,
      fingerprint text,
      PRIMARY KEY (skey, sid, digest)
    )`,
    // Deleted and expired sessions whose rows are still to be removed, in bounded batches.
    `CREATE TABLE IF NOT EXISTS ${s}.purges (
      skey bytea NOT NULL,
      sid bigint NOT NULL,
      queued_at double precision NOT NULL,
      PRIMARY KEY (skey, sid)
    )`,
  ];
}

/**
 * Creates the schema when missing, in one transaction under an advisory lock (several processes
 * may open at once); reads its version otherwise. A newer version is UNSUPPORTED_FORMAT and
 * nothing is touched; a schema that holds other tables but no version row is refused as foreign.
 * With `create` false, a missing store is NOT_FOUND and nothing is created (read-only tools).
 */
export async function migrate(pool: PgPoolLike, schema: string, create: boolean): Promise<void> {
  const s = `"${schema}"`;
  // Read first without the lock: the usual open finds the current version and takes no lock.
  const version = await withTransaction(pool, `reading schema "${schema}"`, (client) => readVersion(client, schema));
  if (version === PG_SCHEMA_VERSION) return;
  if (version !== undefined && version > PG_SCHEMA_VERSION) {
    throw new TurnlogError('UNSUPPORTED_FORMAT', `schema "${schema}" is at turnlog schema version ${version}; this turnlog reads up to ${PG_SCHEMA_VERSION}: upgrade turnlog`);
  }
  if (version === undefined && !create) throw new TurnlogError('NOT_FOUND', `no turnlog store in schema "${schema}" (nothing was created)`);
  await withTransaction(pool, `preparing schema "${schema}"`, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`turnlog:${schema}`]);
    const again = await readVersion(client, schema);
    if (again === undefined) {
      // Checked under the lock: another opener may have been creating the store a moment ago.
      if (await foreignTables(client, schema)) {
        throw new TurnlogError('CORRUPT', `schema "${schema}" holds tables but is not a turnlog store (no schema_version); nothing was changed`);
      }
      for (const statement of ddl(s)) await client.query(statement);
      await client.query(`INSERT INTO ${s}.schema_version (version) VALUES ($1) ON CONFLICT DO NOTHING`, [PG_SCHEMA_VERSION]);
    } else if (again > PG_SCHEMA_VERSION) {
      throw new TurnlogError('UNSUPPORTED_FORMAT', `schema "${schema}" is at turnlog schema version ${again}; this turnlog reads up to ${PG_SCHEMA_VERSION}`);
    }
  });
}

async function readVersion(client: { query: PgPoolLike['query'] }, schema: string): Promise<number | undefined> {
  // The catalog read through SQL (a fresh snapshot), not to_regclass: after waiting for the
  // advisory lock, the cached catalog may not show a table another opener just created.
  const exists = await client.query(`SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = 'schema_version') AS present`, [schema]);
  if (exists.rows[0]?.['present'] !== true) return undefined;
  const r = await client.query(`SELECT version FROM "${schema}".schema_version`);
  const v = r.rows[0]?.['version'];
  if (typeof v !== 'number') throw new TurnlogError('CORRUPT', `schema "${schema}" has an empty or damaged schema_version table; nothing was changed`);
  return v;
}

async function foreignTables(client: { query: PgPoolLike['query'] }, schema: string): Promise<boolean> {
  const r = await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1`, [schema]);
  return (r.rows[0]?.['n'] as number) > 0;
}
