import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { loadBetterSqlite3 } from '../deps.js';
import type { Message } from '../../src/types.js';
import type { HistoryStore, IndexStore, SeenHistory } from './types.js';

// An optional dependency of the package: a clear error when the install left it out.
const Database = loadBetterSqlite3();

/**
 * picoclaw's proposed SQLite store (its PR #719): a `sessions` and a `messages` table, every
 * Store method one transaction, the next sequence number taken as MAX(seq)+1 inside it, tool
 * calls kept as a JSON column beside the message. WAL journal, one connection.
 * `synchronous=FULL` syncs the WAL on every commit (durable like turnlog's default);
 * `NORMAL` does not sync on commit: a process crash loses nothing, a power loss can lose the
 * latest commits.
 */
export type Synchronous = 'FULL' | 'NORMAL';

const DURABILITY: Record<Synchronous, string> = {
  FULL: 'WAL, synchronous=FULL: fsync on every commit',
  NORMAL: 'WAL, synchronous=NORMAL: no fsync on commit (a power loss can lose recent commits)',
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  key TEXT PRIMARY KEY,
  summary TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_updated ON sessions(updated_at);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_key TEXT NOT NULL REFERENCES sessions(key) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  role TEXT NOT NULL,
  content TEXT NOT NULL,
  tool_calls TEXT,
  tool_call_id TEXT,
  created_at INTEGER NOT NULL,
  UNIQUE (session_key, seq)
);`;

interface Row {
  role: string;
  content: string;
  tool_calls: string | null;
  tool_call_id: string | null;
}

export function openSqliteDb(file: string, sync: Synchronous): BetterSqlite3.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync}`);
  db.pragma('busy_timeout = 10000');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  return db;
}

export class SqliteHistoryStore implements HistoryStore {
  readonly name: string;
  readonly durability: string;
  private readonly db: BetterSqlite3.Database;
  private readonly addTxn: (key: string, messages: Message[]) => void;
  private readonly truncateTxn: (key: string, keepLast: number) => void;
  private readonly setSummaryTxn: (key: string, summary: string) => void;
  private readonly select: BetterSqlite3.Statement<[string], Row>;

  constructor(file: string, sync: Synchronous) {
    this.name = `sqlite ${sync}`;
    this.durability = DURABILITY[sync];
    const db = (this.db = openSqliteDb(file, sync));
    const touch = db.prepare('INSERT INTO sessions (key, created_at, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET updated_at = excluded.updated_at');
    const nextSeq = db.prepare<[string], { n: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM messages WHERE session_key = ?');
    const insert = db.prepare('INSERT INTO messages (session_key, seq, role, content, tool_calls, tool_call_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.addTxn = db.transaction((key: string, messages: Message[]) => {
      const now = Date.now();
      touch.run(key, now, now);
      let seq = (nextSeq.get(key) as { n: number }).n;
      for (const m of messages) {
        const content = typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '');
        insert.run(key, seq++, m.role, content, m['tool_calls'] === undefined ? null : JSON.stringify(m['tool_calls']), (m['tool_call_id'] as string | undefined) ?? null, now);
      }
    });
    const cut = db.prepare('DELETE FROM messages WHERE session_key = ? AND seq <= (SELECT COALESCE(MAX(seq), 0) FROM messages WHERE session_key = ?) - ?');
    this.truncateTxn = db.transaction((key: string, keepLast: number) => {
      cut.run(key, key, keepLast);
      touch.run(key, Date.now(), Date.now());
    });
    const summary = db.prepare('UPDATE sessions SET summary = ?, updated_at = ? WHERE key = ?');
    this.setSummaryTxn = db.transaction((key: string, text: string) => void summary.run(text, Date.now(), key));
    this.select = db.prepare<[string], Row>('SELECT role, content, tool_calls, tool_call_id FROM messages WHERE session_key = ? ORDER BY seq');
  }

  async append(key: string, message: Message): Promise<void> {
    this.addTxn(key, [message]);
  }

  history(key: string): Message[] {
    return this.select.all(key).map((r) => {
      const m: Message = { role: r.role, content: r.content };
      if (r.tool_calls !== null) m['tool_calls'] = JSON.parse(r.tool_calls) as unknown;
      if (r.tool_call_id !== null) m['tool_call_id'] = r.tool_call_id;
      return m;
    });
  }

  snapshot(key: string): SeenHistory {
    return { messages: this.history(key) };
  }

  /** The store's two calls, as picoclaw's summariser makes them: SetSummary, then TruncateHistory. */
  async summarise(key: string, summary: string, keepLast: number): Promise<void> {
    this.setSummaryTxn(key, summary);
    this.truncateTxn(key, keepLast);
  }

  async seed(key: string, messages: Message[]): Promise<void> {
    this.addTxn(key, messages);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export class SqliteIndexStore implements IndexStore {
  readonly name: string;
  readonly durability: string;
  private readonly db: BetterSqlite3.Database;
  private readonly patch: BetterSqlite3.Statement<[string, number, string]>;
  private readonly top: BetterSqlite3.Statement<[number], { key: string; metadata: string; updated_at: number }>;

  constructor(file: string, sync: Synchronous) {
    this.name = `sqlite ${sync}`;
    this.durability = DURABILITY[sync];
    this.db = openSqliteDb(file, sync);
    this.patch = this.db.prepare('UPDATE sessions SET metadata = json_patch(metadata, ?), updated_at = ? WHERE key = ?');
    this.top = this.db.prepare<[number], { key: string; metadata: string; updated_at: number }>('SELECT key, metadata, updated_at FROM sessions ORDER BY updated_at DESC LIMIT ?');
  }

  async update(key: string, patch: Record<string, unknown>): Promise<void> {
    this.patch.run(JSON.stringify(patch), Date.now(), key);
  }

  /** Whole entries, as a sessions list shows them (turnlog's list returns them too). */
  newest(limit: number): string[] {
    return this.top.all(limit).map((r) => ({ key: r.key, updatedAt: r.updated_at, ...(JSON.parse(r.metadata) as Record<string, unknown>) })).map((e) => e.key);
  }

  async seed(count: number, entry: (i: number) => Record<string, unknown>): Promise<void> {
    const insert = this.db.prepare('INSERT INTO sessions (key, metadata, created_at, updated_at) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (let i = 0; i < count; i++) insert.run(`s:${i}`, JSON.stringify(entry(i)), i, i);
    })();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export const sqliteHistory = (sync: Synchronous) => (dir: string) => new SqliteHistoryStore(join(dir, 'sessions.db'), sync);
export const sqliteIndex = (sync: Synchronous) => (dir: string) => new SqliteIndexStore(join(dir, 'sessions.db'), sync);
