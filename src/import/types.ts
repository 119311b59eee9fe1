import type { Message } from '../types.js';

/**
 * What an importer makes of one source session: the messages in order (archived ones first),
 * how many of them the gateway had archived, and the rest of the session. Pure data, no I/O.
 */
export interface SessionImage {
  key: string;
  /** Every message, archived and visible, in order. */
  messages: Message[];
  /** The first `archived` messages were cut (picoclaw `skip`, openclaw compaction). */
  archived: number;
  summary: string;
  /** Kept as session metadata (openclaw's SessionEntry, picoclaw's scope and aliases). */
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  /** The files it came from, for the report. */
  files: string[];
}

export type ImportStatus = 'imported' | 'updated' | 'unchanged' | 'skipped';

export interface ImportedSession {
  key: string;
  status: ImportStatus;
  /** Messages now visible / archived (as truncated history). */
  messages: number;
  archived: number;
  /** Events written by this run (0 when unchanged). */
  events: number;
  files: string[];
  /** Why a session was skipped, or what was noticed while importing it. */
  note?: string;
}

export interface ImportProblem {
  file: string;
  /** 1-based line, for line-level problems. */
  line?: number;
  reason: string;
  /** true: the file (or session) was not imported; false: a line was left out, the rest imported. */
  fatal: boolean;
}

export interface ImportReport {
  source: string;
  format: 'picoclaw' | 'openclaw' | 'turnlog';
  dryRun: boolean;
  sessions: ImportedSession[];
  problems: ImportProblem[];
  /** Files deliberately not read (backups, temp files, checkpoint copies…). */
  ignored: string[];
  durationMs: number;
}

export interface ImportOptions {
  /** Parse and plan, write nothing. Default false. */
  dryRun?: boolean;
  /** Called after each session with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Sessions written at once (their writes share commits). Default 16. */
  concurrency?: number;
}
