/** Exit codes of the `turnlog` command, documented in docs/cli.md. */
export const EXIT = {
  /** The command did what was asked. */
  OK: 0,
  /** A runtime failure: missing or damaged store, I/O error… (one line on stderr). */
  FAILURE: 1,
  /** The command line is wrong: unknown command or flag, missing argument, invalid value. */
  USAGE: 2,
  /** `verify` found mismatches. */
  MISMATCH: 3,
  /** The store has no session of the KEY a command names (or it was deleted while being read). */
  NO_SESSION: 4,
  /** `fork`: NEWKEY already exists (nothing was written). */
  CONFLICT: 5,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage error: the caller typed something the command does not accept. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose help explains the right usage, when known. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** The session a command names does not exist: every command reports it the same way. */
export class NoSessionError extends Error {
  override readonly name = 'NoSessionError';
  constructor(
    readonly key: string,
    readonly path: string,
    why = '',
  ) {
    super(`no session ${JSON.stringify(key)} in ${path}${why}`);
  }
}
