import { openPostgresSessionLog } from '../../src/postgres/open-postgres.js';
import type { SessionLog } from '../../src/engine/session-log.js';
import { onTempDirRemoved } from '../measure.js';
import { PG_URL, dropSchema, schemaFor } from '../pg.js';
import { SessionLogHistoryStore, SessionLogIndexStore } from './turnlog.js';

export const PG_PEER = 'turnlog postgres';

const DURABILITY =
  'committed on the server when the promise resolves (synchronous_commit on: WAL flushed); every process and host sees it';

/** Connections of each process's pool: turnlog's default. */
export const PG_POOL_SIZE = 10;

const owned = new Set<string>();

/**
 * turnlog on PostgreSQL through the public API, in a schema of its own per scenario run (named
 * after the run's temporary directory, so a reopen and the run's child processes share it),
 * dropped when the directory is removed (a child process never removes it, so never drops).
 */
async function open(dir: string): Promise<SessionLog> {
  const schema = schemaFor(dir);
  if (!owned.has(dir)) {
    owned.add(dir);
    onTempDirRemoved(dir, async () => {
      owned.delete(dir);
      await dropSchema(schema);
    });
  }
  return openPostgresSessionLog({ connectionString: PG_URL, schema, poolSize: PG_POOL_SIZE });
}

export const postgresHistory = () => async (dir: string) => new SessionLogHistoryStore(PG_PEER, DURABILITY, await open(dir));
export const postgresIndex = () => async (dir: string) => new SessionLogIndexStore(PG_PEER, DURABILITY, await open(dir));
