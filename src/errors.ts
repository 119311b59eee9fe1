/** Every error turnlog raises on purpose is a TurnlogError with one of these codes. */
export const ERROR_CODES = [
  /** A key, message, option or count is not acceptable. Nothing was written. */
  'INVALID_ARGUMENT',
  /** A message, summary or metadata value is larger than `maxMessageBytes`. Nothing was written. */
  'TOO_LARGE',
  /** `expectedVersion` did not match the session's version. Nothing was written. */
  'CONFLICT',
  /** The log was closed. */
  'CLOSED',
  /** The requested version was garbage-collected; old data is never returned in its place. */
  'PRUNED',
  /** The store is damaged or is not a turnlog store. The files are left as they were. */
  'CORRUPT',
  /** The store was written by a newer turnlog with a format this version cannot read. */
  'UNSUPPORTED_FORMAT',
  /** No store exists at the path and the caller asked not to create one. */
  'NOT_FOUND',
  /** The storage engine or file system failed (disk full, permissions, map full…). */
  'IO_ERROR',
  /** An encrypted store opened without its key or with another one, or a plain store opened with a key. */
  'WRONG_KEY',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface TurnlogErrorDetails {
  /** CONFLICT: the version the caller expected. */
  expected?: number;
  /** CONFLICT: the version the session actually had. */
  actual?: number;
  /** PRUNED: the oldest version that can still be read. */
  oldestReadable?: number;
}

/** The one error class of turnlog. `code` is stable and meant for programs; `message` for people. */
export class TurnlogError extends Error {
  override readonly name = 'TurnlogError';
  readonly code: ErrorCode;
  declare readonly expected?: number;
  declare readonly actual?: number;
  declare readonly oldestReadable?: number;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown } & TurnlogErrorDetails = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    const self = this as { expected?: number; actual?: number; oldestReadable?: number };
    if (options.expected !== undefined) self.expected = options.expected;
    if (options.actual !== undefined) self.actual = options.actual;
    if (options.oldestReadable !== undefined) self.oldestReadable = options.oldestReadable;
  }
}

export function isTurnlogError(value: unknown, code?: ErrorCode): value is TurnlogError {
  return value instanceof TurnlogError && (code === undefined || value.code === code);
}

/** Shorthand used by validators: throws INVALID_ARGUMENT. */
export function invalid(message: string): never {
  throw new TurnlogError('INVALID_ARGUMENT', message);
}

/** Shorthand used by decoders: throws CORRUPT (stored data that no operation of turnlog can have written). */
export function corrupt(message: string, cause?: unknown): never {
  throw new TurnlogError('CORRUPT', message, cause === undefined ? {} : { cause });
}
