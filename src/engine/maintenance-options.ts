/** Options of `SessionLog.verify()`. */
export interface VerifyOptions {
  /** Called after each page of sessions with (sessions checked, sessions in the store). Default: none. */
  onProgress?: (done: number, total: number) => void;
}

/** Options of `SessionLog.backup()`. */
export interface BackupOptions {
  /** Leave free pages out of the copy (slower, smaller). Default false. Encrypted stores are always copied compact. */
  compact?: boolean;
}
