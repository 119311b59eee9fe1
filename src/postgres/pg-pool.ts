import { createRequire } from 'node:module';
import { TurnlogError } from '../errors.js';

/** A query result as `pg` returns it (the fields turnlog reads). */
export interface PgResult {
  rows: Array<Record<string, unknown>>;
  rowCount: number | null;
}

/** A query as `pg` takes it: with a `name`, prepared once per connection and reused. */
export interface PgQueryConfig {
  text: string;
  values?: unknown[];
  name?: string;
}

/** A checked-out connection (`pg.PoolClient`-compatible). */
export interface PgClientLike {
  query(text: string | PgQueryConfig, values?: unknown[]): Promise<PgResult>;
  release(err?: Error | boolean): void;
  /** pg's clients emit 'error' when their connection drops; turnlog listens while it holds one. */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  off?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * What turnlog needs of a pool: `pg.Pool`, Neon's serverless `Pool`, or anything with the same
 * `query` and `connect`. A caller's pool is never ended by turnlog.
 */
export interface PgPoolLike {
  query(text: string | PgQueryConfig, values?: unknown[]): Promise<PgResult>;
  connect(): Promise<PgClientLike>;
  end?(): Promise<void>;
}

/** Loads `pg` (an optional peer dependency) only when a PostgreSQL store is opened. */
export function createPool(connectionString: string, max: number): PgPoolLike {
  const require = createRequire(import.meta.url);
  let pg: { Pool: new (config: object) => PgPoolLike & { on(event: 'error', fn: (e: Error) => void): void } };
  try {
    pg = require('pg') as typeof pg;
  } catch (cause) {
    throw new TurnlogError('INVALID_ARGUMENT', 'the PostgreSQL store needs the "pg" package: npm install pg', { cause });
  }
  // allowExitOnIdle: idle connections do not keep a process alive that forgot close().
  const pool = new pg.Pool({ connectionString, max, allowExitOnIdle: true });
  // An idle connection that the server drops (restart, failover) must not crash the process:
  // the next query gets a fresh connection, or fails with IO_ERROR.
  pool.on('error', () => undefined);
  return pool;
}

/** SQLSTATE classes that mean the server or the connection failed, not the request. */
const IO_STATES = /^(08|53|57|58|XX)/;

/** A driver error as a TurnlogError: connection and server failures are IO_ERROR, the rest passes through. */
export function pgError(error: unknown, what: string): unknown {
  if (error instanceof TurnlogError) return error;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !IO_STATES.test(code)) {
    return new TurnlogError('IO_ERROR', `PostgreSQL refused ${what}: ${message} (SQLSTATE ${code})`, { cause: error });
  }
  return new TurnlogError('IO_ERROR', `PostgreSQL: ${what} failed: ${message}`, { cause: error });
}

/**
 * Runs `fn` in one transaction on a connection of its own, and gives the connection back
 * whatever happens: destroyed when it failed, so the pool never reuses a broken one. While held,
 * a dropped connection's 'error' event is listened to (pg-pool stops listening on checkout, and
 * an unheard 'error' would end the process): the next query then fails, as IO_ERROR. `fn` must
 * not wait for another connection of the pool while it holds this one.
 */
export async function withTransaction<T>(pool: PgPoolLike, what: string, fn: (client: PgClientLike) => Promise<T>): Promise<T> {
  let client: PgClientLike;
  try {
    client = await pool.connect();
  } catch (error) {
    throw pgError(error, 'connecting');
  }
  let broken: Error | undefined;
  const onError = (error: Error): void => void (broken = error);
  client.on?.('error', onError);
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (error) {
    await client.query('ROLLBACK').catch((e: unknown) => void (broken ??= e instanceof Error ? e : new Error(String(e))));
    throw pgError(error, what);
  } finally {
    client.off?.('error', onError);
    client.release(broken ?? false);
  }
}
