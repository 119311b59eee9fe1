import { invalid } from '../errors.js';

/** Options of `openSessionLog`. */
export interface SessionLogOptions {
  /** Directory of the store. Created owner-only (0700) when missing, unless `create` is false. Required. */
  path: string;
  /**
   * When a write's promise resolves. `'flushed'` (default): the commit is synced to disk and
   * survives power loss. `'committed'`: the commit is visible to every process and survives a
   * crash of this process; it reaches the disk a moment later (the next sync, typically < 100 ms).
   */
  durability?: 'flushed' | 'committed';
  /** Largest accepted message, summary or metadata patch, in bytes of its JSON encoding. Default 16 MiB. */
  maxMessageBytes?: number;
  /**
   * Projection checkpoint cadence, in events: every this many events a session's visible
   * messages are sealed into chunks and its projection recorded. Lower = cheaper reads, more
   * bytes written. Default 32 (see docs/architecture.md for the measurement behind it).
   */
  checkpointEvery?: number;
  /** Clock for event timestamps, in ms since the epoch. Default `Date.now`. Only informational: order is by version. */
  clock?: () => number;
  /** Create the store when it does not exist. Default true; false gives NOT_FOUND instead (read-only tools). */
  create?: boolean;
}

/** Options of `openMemorySessionLog`: the same minus what only files have. */
export type MemorySessionLogOptions = Omit<SessionLogOptions, 'path' | 'durability' | 'create'>;

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_CHECKPOINT_EVERY = 32;
/** Target size of a sealed chunk, in UTF-16 units of JSON (≈ bytes for mostly-ASCII text). */
export const CHUNK_BYTES = 64 * 1024;

export interface ResolvedOptions {
  maxMessageBytes: number;
  checkpointEvery: number;
  clock: () => number;
}

export function resolveOptions(o: MemorySessionLogOptions): ResolvedOptions {
  const maxMessageBytes = o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 1) invalid('maxMessageBytes must be a positive integer');
  const checkpointEvery = o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1) invalid('checkpointEvery must be a positive integer');
  const clock = o.clock ?? Date.now;
  if (typeof clock !== 'function') invalid('clock must be a function');
  return { maxMessageBytes, checkpointEvery, clock };
}
