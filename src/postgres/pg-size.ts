import type { SessionSize } from '../types.js';
import { int } from './pg-rows.js';
import type { PgSession } from './pg-session.js';

/**
 * Columns of each table holding a session's rows (pg-schema.ts): what `getSessionSize` sums.
 * A column added to the schema must be added here, or its bytes go uncounted.
 */
const COLUMNS = {
  sessions: ['skey', 'sid', 'key', 'version', 'start', 'next', 'created_at', 'updated_at', 'base', 'base_start', 'base_next', 'base_updated_at', 'last_removal', 'summary', 'metadata', 'gc_at'],
  events: ['skey', 'sid', 'version', 'at', 'body', 'start', 'next', 'updated_at', 'rewind_from', 'placed_from', 'placed_count', 'placed_digest'],
  messages: ['skey', 'sid', 'pos', 'version', 'body'],
  states: ['skey', 'sid', 'version', 'summary', 'metadata'],
  event_ids: ['skey', 'sid', 'digest', 'version', 'fingerprint'],
} as const;

/** The stored bytes of a row's values: pg_column_size counts a compressed or TOASTed value as stored; NULL takes none. */
const rowBytes = (alias: string, table: keyof typeof COLUMNS): string => COLUMNS[table].map((c) => `coalesce(pg_column_size(${alias}.${c}), 0)`).join(' + ');

/** A per-session table's row count and bytes, one primary-key range (skey, sid, …). */
const part = (s: string, table: Exclude<keyof typeof COLUMNS, 'sessions'>, alias: string): string =>
  `LEFT JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(${rowBytes('x', table)}), 0) AS b FROM ${s}.${table} x WHERE x.skey = s.skey AND x.sid = s.sid) ${alias} ON true`;

/** One statement: the head row, then each of the session's tables by its primary-key prefix. */
export function sizeStatement(s: string): string {
  return `SELECT (${rowBytes('s', 'sessions')}) + e.b + m.b + st.b + i.b AS bytes, e.n AS events
      FROM ${s}.sessions s
      ${part(s, 'events', 'e')}
      ${part(s, 'messages', 'm')}
      ${part(s, 'states', 'st')}
      ${part(s, 'event_ids', 'i')}
      WHERE s.skey = $1`;
}

/** What the session's rows occupy (see SessionSize); undefined for an unknown key. */
export async function pgSize(pg: PgSession, key: string): Promise<SessionSize | undefined> {
  const [row] = await pg.query('size', [pg.skey(key)]);
  return row === undefined ? undefined : { bytes: int(row, 'bytes'), events: int(row, 'events') };
}
