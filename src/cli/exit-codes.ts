/** Exit codes of the `turnlog` command, documented in docs/cli.md. */
export const EXIT = {
  /** The command did what was asked. */
  OK: 0,
  /** A runtime failure: missing or damaged store, I/O error… (one line on stderr). */
  FAILURE: 1,
  /** The command line is wrong: unknown command or flag, missing argument. */
  USAGE: 2,
  /** `verify` found mismatches. */
  MISMATCH: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A usage error: the caller typed something the command does not accept. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
