import { mkdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { FIXTURES } from './fixtures.js';

/**
 * openclaw agent databases for tests, from DDL written here by hand after reading openclaw's
 * schema (src/state/openclaw-agent-schema.sql) and its version notes
 * (src/state/openclaw-agent-db-contract.ts): the tables and columns the importer reads, plus a
 * few it does not (openclaw has many more), to show they are ignored. Not openclaw's DDL.
 *
 * - 19: schema 19: session_nodes / session_windows / transcript_events (schema 14 on, first seen
 *   in openclaw 2026.7.2 betas), every event as TEXT; no cold archives.
 * - 21: schema 21 (schema 20 added session_transcript_archives).
 * - 23: schema 23 (openclaw 2026.9.6): event_json may be NULL, a large event is a zstd frame in
 *   event_zstd with its UTF-8 length in event_utf8_bytes (and a navigation_json digest).
 * - 24: a schema newer than any the importer knows: 23 plus columns it has never seen.
 */

export type Generation = 19 | 21 | 23 | 24;

const require = createRequire(import.meta.url);
type Db = {
  exec(sql: string): void;
  prepare(sql: string): { run(...a: unknown[]): unknown };
  pragma(sql: string): unknown;
  close(): void;
};
const Database = require('better-sqlite3') as new (path: string) => Db;

const NODES = `CREATE TABLE session_nodes (
  session_key TEXT NOT NULL PRIMARY KEY,
  current_session_id TEXT NOT NULL,
  entry_json TEXT NOT NULL,
  entry_valid INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL,
  status TEXT,
  created_at INTEGER,
  label TEXT,
  display_name TEXT,
  archived_at INTEGER%EXTRA%
) STRICT;`;

const WINDOWS = `CREATE TABLE session_windows (
  session_id TEXT NOT NULL PRIMARY KEY,
  session_key TEXT NOT NULL,
  previous_session_id TEXT,
  reason TEXT CHECK (reason IS NULL OR reason IN ('initial', 'reset', 'rollover', 'fork', 'rewind', 'switch', 'recovery', 'compaction')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  transcript_updated_at INTEGER,
  channel TEXT,
  model_provider TEXT,
  model TEXT
) STRICT;`;

const EVENTS_TEXT = `CREATE TABLE transcript_events (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (session_id, seq)
) STRICT;`;

const EVENTS_ZSTD = `CREATE TABLE transcript_events (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event_json TEXT,
  created_at INTEGER NOT NULL,
  event_zstd BLOB,
  event_utf8_bytes INTEGER,
  navigation_json TEXT%EXTRA%,
  PRIMARY KEY (session_id, seq),
  CHECK ((event_json IS NOT NULL AND event_zstd IS NULL) OR (event_json IS NULL AND event_zstd IS NOT NULL AND event_utf8_bytes IS NOT NULL))
) STRICT;`;

const ARCHIVES = `CREATE TABLE session_transcript_archives (
  session_id TEXT NOT NULL,
  generation TEXT NOT NULL,
  session_key TEXT NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('deleted', 'reset')),
  encoding TEXT NOT NULL CHECK (encoding IN ('identity', 'zstd')),
  archive_blob BLOB NOT NULL,
  archive_sha256 TEXT NOT NULL,
  archive_name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  published_at INTEGER,
  PRIMARY KEY (session_id, generation)
) STRICT;`;

const META = `CREATE TABLE schema_meta (
  meta_key TEXT NOT NULL PRIMARY KEY,
  role TEXT NOT NULL,
  schema_version INTEGER NOT NULL,
  agent_id TEXT,
  app_version TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;`;

/** schema_meta.app_version: known for 23; 24 is made up; unknown (NULL) for the others. */
const APP: Record<Generation, string | null> = { 19: null, 21: null, 23: '2026.9.6', 24: '2026.11.0' };

export function schemaOf(generation: Generation): string {
  const extra = generation === 24 ? ',\n  workspace_id TEXT,\n  trust_level INTEGER' : '';
  return [
    META,
    NODES.replace('%EXTRA%', extra),
    WINDOWS,
    generation >= 23 ? EVENTS_ZSTD.replace('%EXTRA%', extra) : EVENTS_TEXT,
    generation >= 21 ? ARCHIVES : '',
    // a table the importer never reads
    'CREATE TABLE cache_entries (scope TEXT NOT NULL, key TEXT NOT NULL, value_json TEXT, PRIMARY KEY (scope, key)) STRICT;',
  ].join('\n');
}

/** zstd frames made by the zstd tool (test/fixtures/openclaw-sqlite/make-zstd-frames.mjs). */
export const FRAMES = JSON.parse(readFileSync(`${FIXTURES}/openclaw-sqlite/zstd-frames.json`, 'utf8')) as Record<'event' | 'toolOutput' | 'archive', { text: string; frame: string }>;

/** A transcript line: an object (stored as JSON text), raw text, or a stored zstd frame. */
export type Line = Record<string, unknown> | { raw: string } | { zstd: Buffer; bytes: number };

export class AgentDbWriter {
  readonly db: Db;
  private seqs = new Map<string, number>();

  constructor(
    readonly file: string,
    readonly generation: Generation,
    options: { wal?: boolean; agentId?: string; checkpoint?: boolean } = {},
  ) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    if (options.wal !== false) this.db.pragma('journal_mode = WAL');
    // like a running openclaw between checkpoints: every write stays in the -wal file
    if (options.checkpoint === false) this.db.pragma('wal_autocheckpoint = 0');
    this.db.exec(schemaOf(generation));
    this.db.pragma(`user_version = ${generation}`);
    this.db.prepare('INSERT INTO schema_meta VALUES (?, ?, ?, ?, ?, ?, ?)').run('agent', 'agent', generation, options.agentId ?? 'main', APP[generation], 1, 1);
  }

  node(key: string, currentSessionId: string, entry: Record<string, unknown> | string, updatedAt: number): this {
    const json = typeof entry === 'string' ? entry : JSON.stringify(entry);
    this.db.prepare('INSERT INTO session_nodes (session_key, current_session_id, entry_json, updated_at, label) VALUES (?, ?, ?, ?, ?)').run(key, currentSessionId, json, updatedAt, 'ignored column');
    return this;
  }

  window(id: string, key: string, previous: string | null, reason: string, createdAt: number): this {
    this.db.prepare('INSERT INTO session_windows (session_id, session_key, previous_session_id, reason, created_at, updated_at, channel) VALUES (?, ?, ?, ?, ?, ?, ?)').run(id, key, previous, reason, createdAt, createdAt, 'telegram');
    return this;
  }

  events(sessionId: string, lines: Line[], createdAt = 1): this {
    for (const line of lines) {
      const seq = this.seqs.get(sessionId) ?? 0;
      this.seqs.set(sessionId, seq + 1);
      if ('zstd' in line && line.zstd instanceof Buffer) {
        this.db.prepare('INSERT INTO transcript_events (session_id, seq, event_json, created_at, event_zstd, event_utf8_bytes, navigation_json) VALUES (?, ?, NULL, ?, ?, ?, ?)').run(sessionId, seq, createdAt, line.zstd, line.bytes, '{"version":1}');
      } else {
        const text = 'raw' in line && typeof line.raw === 'string' ? line.raw : JSON.stringify(line);
        this.db.prepare('INSERT INTO transcript_events (session_id, seq, event_json, created_at) VALUES (?, ?, ?, ?)').run(sessionId, seq, text, createdAt);
      }
    }
    return this;
  }

  archive(sessionId: string, key: string, text: string, options: { zstd?: Buffer; createdAt?: number; sha?: string } = {}): this {
    const blob = options.zstd ?? Buffer.from(text, 'utf8');
    const sha = options.sha ?? createHash('sha256').update(blob).digest('hex');
    this.db
      .prepare('INSERT INTO session_transcript_archives VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)')
      .run(sessionId, 'g1', key, 'reset', options.zstd ? 'zstd' : 'identity', blob, sha, `${sessionId}.jsonl.reset.2026-09-20T08-00-00.000Z${options.zstd ? '.zst' : ''}`, options.createdAt ?? 1);
    return this;
  }

  close(): void {
    this.db.close();
  }
}

/** A stored compressed event from one of the committed frames. */
export const compressed = (name: 'event' | 'toolOutput', bytesDelta = 0): Line => ({ zstd: Buffer.from(FRAMES[name].frame, 'base64'), bytes: Buffer.byteLength(FRAMES[name].text) + bytesDelta });

export const header = (id: string, timestamp: string): Record<string, unknown> => ({ type: 'session', version: 3, id, timestamp, cwd: '/home/dana' });
export const msg = (id: string, parentId: string | null, role: string, content: unknown, timestamp: string): Record<string, unknown> => ({
  type: 'message',
  id,
  parentId,
  timestamp,
  message: { role, content, timestamp: Date.parse(timestamp) },
});
