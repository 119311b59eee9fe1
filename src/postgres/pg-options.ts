import type { MemorySessionLogOptions } from '../engine/options.js';
import type { PgPoolLike } from './pg-pool.js';

/** Options of `openPostgresSessionLog`. */
export interface PostgresSessionLogOptions extends Omit<MemorySessionLogOptions, 'checkpointEvery' | 'readCacheBytes'> {
  /**
   * A `postgres://user:password@host:port/database` URL; TLS through its parameters
   * (`?sslmode=verify-full&sslrootcert=…`). turnlog creates a `pg.Pool` of `poolSize` connections
   * and ends it on `close()`. Give this or `pool`.
   */
  connectionString?: string;
  /**
   * A `pg.Pool`-compatible pool of yours (node-postgres, Neon's serverless `Pool`, a pool in front
   * of PgBouncer in transaction mode: turnlog's writes are single statements). turnlog never ends
   * it. Give this or `connectionString`.
   */
  pool?: PgPoolLike;
  /** Schema holding turnlog's tables, created and migrated on open. A lower-case SQL identifier. Default 'turnlog'. */
  schema?: string;
  /** Create the schema and tables when missing. Default true; false gives NOT_FOUND instead (read-only tools). */
  create?: boolean;
  /** Connections of the pool created from `connectionString`. Default 10. */
  poolSize?: number;
  /**
   * Send turnlog's statements as named prepared statements (planned once per connection).
   * Default true. Set false behind a pooler that cannot keep them (PgBouncer before 1.21 in
   * transaction mode) or a driver without them.
   */
  preparedStatements?: boolean;
}
