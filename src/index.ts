export { openSessionLog, openMemorySessionLog, openSessionLogOn } from './open.js';
export type { SessionLog } from './engine/session-log.js';
export type { ReplayStep } from './engine/replay.js';
export type { SessionLogStats } from './engine/stats.js';
export type { GcOptions, GcReport } from './engine/gc.js';
export type { VerifyReport, VerifyMismatch } from './engine/verify.js';
export type { BackupOptions, VerifyOptions } from './engine/maintenance-options.js';
export type { Duration } from './core/duration.js';
export { parseDuration } from './core/duration.js';
export type { SessionLogOptions, MemorySessionLogOptions } from './engine/options.js';
export { TurnlogError, ERROR_CODES, isTurnlogError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { EVENT_TYPES } from './types.js';
export type {
  ChangedField,
  DiffMessage,
  DiffOptions,
  EventType,
  ForkOptions,
  ForkOrigin,
  ForkResult,
  HistoryOptions,
  ListOptions,
  Message,
  ReadEventsOptions,
  ReadOptions,
  RemoveResult,
  SessionDiff,
  SessionEvent,
  SessionInfo,
  SessionPage,
  SessionSize,
  SummaryOptions,
  TruncateOptions,
  WriteOptions,
  WriteResult,
} from './types.js';
export type { Backend, ReadTxn, WriteTxn, RangeOptions, Entry, BackendStats } from './storage/backend.js';
export { MemoryBackend } from './storage/memory-backend.js';
export { hasOrphanToolResult } from './core/history-rules.js';
export { classifyMessage, orphanResults } from './core/message-shapes.js';
export type { MessageShape } from './core/message-shapes.js';
export { importPicoclaw, importOpenclaw } from './import/index.js';
export { importTurnlogJsonl } from './import/turnlog-jsonl.js';
export { exportPicoclaw } from './import/export-picoclaw.js';
export type { PicoclawExport, PicoclawExportOptions } from './import/export-picoclaw.js';
export { exportJsonl } from './import/export-jsonl.js';
export type { JsonlExport, JsonlExportOptions } from './import/export-jsonl.js';
export type { ImportOptions, ImportReport, ImportedSession, ImportProblem, ImportStatus, ImportRecency, ProblemSubject } from './import/types.js';
export { openPostgresSessionLog } from './postgres/open-postgres.js';
export { startInspector } from './inspect/server.js';
export type { Inspector, InspectorOptions } from './inspect/server.js';
export type { PostgresSessionLogOptions } from './postgres/pg-options.js';
export type { PgPoolLike, PgClientLike, PgResult, PgQueryConfig } from './postgres/pg-pool.js';
