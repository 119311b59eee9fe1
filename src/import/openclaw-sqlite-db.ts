import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { invalid } from '../errors.js';
import { loadSqlite } from './optional-deps.js';
import { kindOf } from './source-files.js';
import type { SqliteDatabase } from './optional-deps.js';
import type { AgentDatabase, ArchiveRow, EventRow, NodeRow, WindowRow } from './openclaw-sqlite-rows.js';

/**
 * One openclaw agent database (`agents/<agentId>/agent/openclaw-agent.sqlite`), opened read-only
 * and read inside one read transaction: openclaw may be running and writing (WAL), and every
 * table is read from the same snapshot. Only the columns this importer knows are selected, each
 * only when the table has it: a newer schema with more columns reads the same.
 */

/** The newest schema this importer was written against (openclaw 2026.9.6 and 2026.9.7). */
export const KNOWN_SCHEMA_VERSION = 23;

/** The first schema with session_nodes and session_windows (openclaw 2026.7.2). */
const FIRST_NODES_SCHEMA = 14;

export interface OpenAgentDatabase extends AgentDatabase {
  /** True when some row is stored zstd-compressed (so fzstd will be needed). */
  hasCompressed(): boolean;
  close(): void;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/** The columns without which nothing can be imported, per table. */
const REQUIRED: Record<string, string[]> = {
  session_nodes: ['session_key', 'current_session_id', 'entry_json'],
  transcript_events: ['session_id', 'seq', 'event_json'],
};

function isSqliteFile(path: string): boolean {
  // never open a FIFO or a device: a read could block forever or never end
  const st = statSync(path);
  if (!st.isFile()) invalid(`${path} is ${kindOf(st)}, not a regular file; not read`);
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.toString('latin1') === SQLITE_MAGIC;
  } finally {
    closeSync(fd);
  }
}

/** Opens and checks `path`; INVALID_ARGUMENT, with the database closed, when it is not an openclaw agent database. */
export function openAgentDatabase(path: string, agentId: string): OpenAgentDatabase {
  if (!isSqliteFile(path)) invalid(`${path} is not a SQLite database${basename(path) === 'sessions.json' ? " (for openclaw's sessions.json, give the folder it is in)" : ''}`);
  const db = loadSqlite()(path, { readonly: true, fileMustExist: true });
  try {
    db.exec('BEGIN');
    const columns = (table: string): Set<string> => new Set((db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as Array<{ name: string }>).map((r) => r.name));
    const tables = new Map<string, Set<string>>();
    for (const t of ['session_nodes', 'transcript_events', 'session_windows', 'session_transcript_archives', 'schema_meta']) tables.set(t, columns(t));
    if ((tables.get('session_nodes') as Set<string>).size === 0) {
      // openclaw's first SQLite schemas (2026.7) kept sessions elsewhere: say so, not "foreign"
      const version = Number(db.pragma('user_version', { simple: true }));
      if ((tables.get('schema_meta') as Set<string>).size > 0 && version > 0 && version < FIRST_NODES_SCHEMA) invalid(`${path}: openclaw schema ${version} predates session_nodes (schema ${FIRST_NODES_SCHEMA}); start openclaw 2026.8 or later once to migrate it, then import`);
      invalid(`${path} is not an openclaw agent database (it has no session_nodes table)`);
    }
    for (const [table, names] of Object.entries(REQUIRED)) {
      const have = tables.get(table) as Set<string>;
      if (have.size === 0) invalid(`${path}: the table ${table} is missing; not an openclaw agent database this importer can read`);
      for (const n of names) if (!have.has(n)) invalid(`${path}: the column ${table}.${n} is missing; cannot import from this database`);
    }
    return readerOf(db, path, agentId, tables);
  } catch (error) {
    db.close();
    throw error;
  }
}

const pick = (have: Set<string>, wanted: string[]): string => wanted.filter((c) => have.has(c)).join(', ');

function readerOf(db: SqliteDatabase, path: string, agentId: string, tables: Map<string, Set<string>>): OpenAgentDatabase {
  const t = (name: string) => tables.get(name) as Set<string>;
  const userVersion = Number(db.pragma('user_version', { simple: true }));
  const meta = t('schema_meta').has('schema_version') ? (db.prepare(`SELECT ${pick(t('schema_meta'), ['schema_version', 'app_version', 'agent_id'])} FROM schema_meta`).all() as Array<Record<string, unknown>>) : [];
  const metaVersion = meta.map((m) => Number(m['schema_version'])).filter(Number.isFinite);
  const schemaVersion = Math.max(userVersion, ...metaVersion);
  const appVersion = meta.map((m) => m['app_version']).find((v): v is string => typeof v === 'string');
  const nodeColumns = pick(t('session_nodes'), ['session_key', 'current_session_id', 'entry_json', 'updated_at', 'created_at']);
  const windows = t('session_windows');
  const hasWindows = ['session_id', 'session_key', 'previous_session_id'].every((c) => windows.has(c));
  const windowQuery = hasWindows ? db.prepare(`SELECT ${pick(windows, ['session_id', 'session_key', 'previous_session_id', 'reason', 'created_at', 'updated_at'])} FROM session_windows WHERE session_id = ?`) : undefined;
  const eventQuery = db.prepare(`SELECT ${pick(t('transcript_events'), ['seq', 'event_json', 'event_zstd', 'event_utf8_bytes'])} FROM transcript_events WHERE session_id = ? ORDER BY seq`);
  const archives = t('session_transcript_archives');
  const hasArchives = ['session_id', 'session_key', 'archive_blob', 'encoding'].every((c) => archives.has(c));
  const archiveQuery = hasArchives
    ? db.prepare(`SELECT ${pick(archives, ['session_id', 'generation', 'session_key', 'reason', 'encoding', 'archive_blob', 'archive_sha256', 'archive_name', 'created_at'])} FROM session_transcript_archives WHERE session_key = ? ORDER BY ${archives.has('created_at') ? 'created_at, ' : ''}session_id`)
    : undefined;
  return {
    file: path,
    agentId,
    schemaVersion,
    ...(appVersion === undefined ? {} : { appVersion }),
    nodes: () => db.prepare(`SELECT ${nodeColumns} FROM session_nodes ORDER BY session_key`).all() as NodeRow[],
    window: (id) => windowQuery?.get(id) as WindowRow | undefined,
    events: (id) => eventQuery.all(id) as EventRow[],
    archives: (key) => (archiveQuery?.all(key) ?? []) as ArchiveRow[],
    hasCompressed: () =>
      (t('transcript_events').has('event_zstd') && db.prepare('SELECT 1 FROM transcript_events WHERE event_zstd IS NOT NULL LIMIT 1').get() !== undefined) ||
      (archiveQuery !== undefined && db.prepare("SELECT 1 FROM session_transcript_archives WHERE encoding = 'zstd' LIMIT 1").get() !== undefined),
    close: () => {
      try {
        db.exec('COMMIT');
      } finally {
        db.close();
      }
    },
  };
}
