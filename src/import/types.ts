import { optionNames } from '../core/validate.js';
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

/** What an import will write, and what it found on the way (internal to the importers). */
export interface Plan {
  images: SessionImage[];
  problems: ImportProblem[];
  /** Files deliberately not read. */
  ignored: string[];
  /** Per session key: what was noticed while reading it (shown with its result). */
  notes: Map<string, string>;
  /** Things to know about the source as a whole (e.g. a newer openclaw schema). */
  warnings?: string[];
}

/**
 * 'incomplete' (jsonl imports): events were written but the session does not match the export
 * (the import stopped, or the result differs); `events` says how many, `note` and a fatal
 * problem say why. 'skipped' means nothing was written.
 */
export type ImportStatus = 'imported' | 'updated' | 'unchanged' | 'skipped' | 'incomplete';

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

/** What a problem is about: a whole file or folder, an index entry, a session, or one line or message of a file. */
export const PROBLEM_SUBJECTS = ['file', 'folder', 'entry', 'session', 'line', 'message'] as const;
export type ProblemSubject = (typeof PROBLEM_SUBJECTS)[number];

/** Where an imported session's recency (what `ttl` counts idle time from) comes from. */
export const IMPORT_RECENCY = ['source', 'import'] as const;
export type ImportRecency = (typeof IMPORT_RECENCY)[number];

export interface ImportProblem {
  file: string;
  /** What was left out or noticed. When absent: 'line' if `line` is set, else 'file'. */
  subject?: ProblemSubject;
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
  /**
   * Things to know that are not problems: e.g. that imported sessions keep their source times,
   * so a GC with a `ttl` may delete them at once (see docs/migrating.md).
   */
  warnings?: string[];
  durationMs: number;
}

export interface ImportOptions {
  /** Parse and plan, write nothing. Default false. */
  dryRun?: boolean;
  /** Called after each session with (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Sessions written at once (their writes share commits). Default 16. */
  concurrency?: number;
  /**
   * What an imported session's `updatedAt`, and so its idle time for `ttl`, counts from.
   * 'source' (default): its last activity in the source, so a session idle for 40 days there is
   * deleted by the first GC with `ttl: '30d'`. 'import': the import's own time (the log's clock);
   * the source's time is kept in `metadata.turnlogImport.sourceUpdatedAt`. Importing again with
   * 'import' moves sessions imported earlier with 'source' to the import time.
   */
  recency?: ImportRecency;
  /**
   * Follow symbolic links and openclaw `sessionFile` paths that lead outside the source folder.
   * Default false: they are reported as problems and not read.
   */
  allowOutsideSource?: boolean;
  /** The largest source file read, in bytes. Default 256 MiB; at most 2^29 - 24. Larger files are reported, not read. */
  maxFileBytes?: number;
  /** The time (ms since the epoch) that the idle-time warning measures against. Default Date.now(). */
  now?: number;
}

/** The names `ImportOptions` accepts; any other key is INVALID_ARGUMENT (checked against the interface at compile time). */
export const IMPORT_OPTION_NAMES = optionNames<ImportOptions>()(['dryRun', 'onProgress', 'concurrency', 'recency', 'allowOutsideSource', 'maxFileBytes', 'now']);
