/**
 * The rows the openclaw SQLite importer reads, as the driver returns them (columns a schema lacks
 * are absent), and the reader of one agent database that hands them out.
 */

export interface NodeRow {
  session_key: string;
  current_session_id: string;
  entry_json: string;
  updated_at?: number | null;
  created_at?: number | null;
}
export interface WindowRow {
  session_id: string;
  session_key: string;
  previous_session_id: string | null;
  reason?: string | null;
  created_at?: number | null;
  updated_at?: number | null;
}
export interface EventRow {
  seq: number;
  event_json?: string | null;
  event_zstd?: Uint8Array | null;
  event_utf8_bytes?: number | null;
}
export interface ArchiveRow {
  session_id: string;
  session_key: string;
  generation?: string;
  reason?: string;
  encoding: string;
  archive_blob: Uint8Array;
  archive_sha256?: string;
  archive_name?: string;
  created_at?: number | null;
}

/** What the planner reads of one agent database (openclaw-sqlite-db.ts, or rows in a test). */
export interface AgentDatabase {
  /** The database file, for reports. */
  file: string;
  agentId: string;
  /** `PRAGMA user_version`, or `schema_meta.schema_version` when larger. */
  schemaVersion: number;
  appVersion?: string;
  nodes(): NodeRow[];
  window(sessionId: string): WindowRow | undefined;
  events(sessionId: string): EventRow[];
  archives(sessionKey: string): ArchiveRow[];
}
