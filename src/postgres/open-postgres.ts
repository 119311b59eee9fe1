import { optionNames, checkOptionKeys } from '../core/validate.js';
import { invalid } from '../errors.js';
import { resolveOptions } from '../engine/options.js';
import { SessionLogEngine } from '../engine/session-log.js';
import type { SessionLog } from '../engine/session-log.js';
import { createPool } from './pg-pool.js';
import type { PgPoolLike } from './pg-pool.js';
import { checkSchemaName, migrate } from './pg-schema.js';
import type { PostgresSessionLogOptions } from './pg-options.js';
import { PgSessionStore } from './pg-store.js';

const OPTION_NAMES = optionNames<PostgresSessionLogOptions>()([
  'connectionString',
  'pool',
  'schema',
  'poolSize',
  'create',
  'preparedStatements',
  'maxMessageBytes',
  'clock',
  'ttl',
  'maxMessages',
  'replayWindow',
  'autoGc',
  'maxExpireShare',
]);

/**
 * Opens (creating or migrating its schema when needed) a session log on PostgreSQL: the same
 * `SessionLog` as `openSessionLog`, shared by every process and host that opens the same schema.
 * Rejects with INVALID_ARGUMENT for bad options or a missing `pg` package, UNSUPPORTED_FORMAT for
 * a schema written by a newer turnlog, CORRUPT for a schema holding tables that are not
 * turnlog's (neither is touched), IO_ERROR when the server cannot be reached.
 */
export async function openPostgresSessionLog(options: PostgresSessionLogOptions): Promise<SessionLog> {
  if (typeof options !== 'object' || options === null) invalid('options must be an object');
  checkOptionKeys('options', options, OPTION_NAMES);
  if (typeof options.autoGc === 'object' && options.autoGc !== null) checkOptionKeys('autoGc', options.autoGc, ['interval']);
  const hasUrl = options.connectionString !== undefined;
  const hasPool = options.pool !== undefined;
  if (hasUrl === hasPool) invalid('give exactly one of connectionString and pool');
  if (hasUrl && (typeof options.connectionString !== 'string' || !/^postgres(ql)?:\/\//.test(options.connectionString))) invalid('connectionString must be a postgres:// URL');
  if (hasPool && (typeof options.pool?.query !== 'function' || typeof options.pool.connect !== 'function')) invalid('pool must have query() and connect() (a pg.Pool)');
  const poolSize = options.poolSize ?? 10;
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) invalid('poolSize must be a positive integer');
  if (hasPool && options.poolSize !== undefined) invalid('poolSize applies only to the pool created from connectionString');
  if (options.create !== undefined && typeof options.create !== 'boolean') invalid('create must be a boolean');
  if (options.preparedStatements !== undefined && typeof options.preparedStatements !== 'boolean') invalid('preparedStatements must be a boolean');
  const schema = checkSchemaName(options.schema ?? 'turnlog');
  const resolved = resolveOptions({ ...pick(options), readCacheBytes: 0 });
  const pool: PgPoolLike = hasPool ? (options.pool as PgPoolLike) : createPool(options.connectionString as string, poolSize);
  try {
    await migrate(pool, schema, options.create ?? true);
  } catch (error) {
    if (!hasPool) await pool.end?.().catch(() => undefined);
    throw error;
  }
  const store = new PgSessionStore(pool, schema, resolved.maxMessages, !hasPool, options.preparedStatements ?? true);
  store.resumePurges();
  return new SessionLogEngine(store, resolved);
}

/** The lifecycle options, without the connection ones. */
function pick(o: PostgresSessionLogOptions): Omit<PostgresSessionLogOptions, 'connectionString' | 'pool' | 'schema' | 'poolSize' | 'preparedStatements' | 'create'> {
  const { connectionString: _u, pool: _p, schema: _s, poolSize: _n, preparedStatements: _ps, create: _c, ...rest } = o;
  return rest;
}
