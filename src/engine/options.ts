import { MAX_TIMER_MS, parseDuration } from '../core/duration.js';
import { DEFAULT_MAX_EXPIRE_SHARE } from '../core/gc-plan.js';
import type { Duration } from '../core/duration.js';
import { invalid } from '../errors.js';

/** Options of `openSessionLog`. */
export interface SessionLogOptions {
  /** Directory of the store. Created owner-only (0700) when missing, unless `create` is false. Required. */
  path: string;
  /**
   * When a write's promise resolves. `'flushed'`, the default and only value: once the commit is
   * synced to disk, so it survives power loss and is visible to every process. The commit and its
   * sync run on the storage engine's write thread, off the event loop. `'committed'` was removed
   * (INVALID_ARGUMENT): the engine reports a commit only after its sync, so it was never faster.
   */
  durability?: 'flushed';
  /** Largest accepted message, summary or metadata patch, in bytes of its JSON encoding. Default 16 MiB. */
  maxMessageBytes?: number;
  /**
   * Projection checkpoint cadence, in events: every this many events a session's visible
   * messages are sealed into chunks and its projection recorded. Lower = cheaper reads, more
   * bytes written. Default 32 (see docs/architecture.md for the measurement behind it).
   */
  checkpointEvery?: number;
  /**
   * Memory for decoded records kept for reads, in bytes of their stored form: an agent re-reads
   * its history every turn, and sealed chunks, events and a session's state at a version never
   * change, so they are decoded once per process. Sealed chunks get all of it; the events since
   * the last checkpoint and the session states that `listSessions` and `getSession` return get
   * another eighth each. Readers always get their own copies. 0 turns the caches off. Default 64 MiB.
   */
  readCacheBytes?: number;
  /** Clock for event timestamps, in ms since the epoch. Default `Date.now`. Only informational: order is by version. */
  clock?: () => number;
  /** Create the store when it does not exist. Default true; false gives NOT_FOUND instead (read-only tools). */
  create?: boolean;
  /**
   * How much of an existing data file is checked before LMDB reads it (a damaged page can crash
   * the LMDB binding, so damage must be found first). `'full'`: every page in use (about 1 ms per
   * MB); `'quick'`: the meta pages and the tree roots only; `'auto'` (default): full up to
   * 512 MiB, quick above.
   */
  checkOnOpen?: 'auto' | 'full' | 'quick';
  /**
   * Encrypts the data file at rest (LMDB page encryption, ChaCha8): 32 bytes (a Uint8Array; a
   * Node.js Buffer is one) or a string of 32 UTF-8 bytes. A store created with a key opens only
   * with it: a wrong or missing key is WRONG_KEY, never an empty store. Default: no encryption.
   */
  encryptionKey?: Uint8Array | string;
  /**
   * A session with no write for longer than this expires: GC removes its events, checkpoints and
   * index entries. Milliseconds or a string ('90s', '12h', '30d'), at most Number.MAX_SAFE_INTEGER
   * ms. Default: never. See `maxExpireShare` for the guard against a clock jump.
   */
  ttl?: Duration;
  /**
   * The clock-jump guard of `ttl`: the largest share of the live sessions (a fraction from 0 to 1)
   * one GC run may expire. A run that finds more sessions idle past the ttl than this (and more
   * than 10) expires none and reports them in `expiryHeldBack`: a clock (or system time) far
   * ahead, or a store unused for longer than its ttl, would otherwise lose every session at once.
   * `1` turns the guard off; `gc({ maxExpireShare })` overrides it for one run. Default 0.5.
   */
  maxExpireShare?: number;
  /**
   * Cap on visible messages per session. A write that goes over it is followed, in the same
   * transaction, by an ordinary `history.truncated` event; the cut moves forward to a user message
   * so no tool result is orphaned. Default: no cap.
   */
  maxMessages?: number;
  /**
   * How long versions that are no longer current stay readable (`atVersion`, `readEvents`)
   * before GC may fold them into a base checkpoint. Reading a collected version gives PRUNED.
   * Milliseconds or a string (at most Number.MAX_SAFE_INTEGER ms); `0`: collect at the next GC;
   * `Infinity`: keep everything. Default '7d'.
   */
  replayWindow?: Duration;
  /**
   * Run `gc()` in the background every `interval` (an unref'd timer, stopped by `close()`).
   * `true` means every '10m'. The interval is at least '1s' and at most 2^31 − 1 ms (about 24.8
   * days, the longest a Node timer waits). Default false: a library does not start timers unasked.
   */
  autoGc?: boolean | { interval: Duration };
}

/** Options of `openMemorySessionLog`: the same minus what only files have. */
export type MemorySessionLogOptions = Omit<SessionLogOptions, 'path' | 'durability' | 'create' | 'checkOnOpen' | 'encryptionKey'>;

export const DEFAULT_REPLAY_WINDOW = '7d';
export const DEFAULT_AUTO_GC_INTERVAL = '10m';

export const DEFAULT_READ_CACHE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_CHECKPOINT_EVERY = 32;
/** Target size of a sealed chunk, in UTF-16 units of JSON (≈ bytes for mostly-ASCII text). */
export const CHUNK_BYTES = 64 * 1024;

export interface ResolvedOptions {
  maxMessageBytes: number;
  checkpointEvery: number;
  clock: () => number;
  /** ms; Infinity = never. */
  ttl: number;
  /** Infinity = no cap. */
  maxMessages: number;
  /** ms; Infinity = keep all. */
  replayWindow: number;
  /** 0..1: the share of live sessions one GC run may expire; 1 = no guard. */
  maxExpireShare: number;
  /** ms between background GC runs; 0 = off. */
  autoGcInterval: number;
  /** Bytes of decoded chunks kept for reads; 0 = no cache. */
  readCacheBytes: number;
}

export function resolveOptions(o: MemorySessionLogOptions): ResolvedOptions {
  const maxMessageBytes = o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 1) invalid('maxMessageBytes must be a positive integer');
  const checkpointEvery = o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1) invalid('checkpointEvery must be a positive integer');
  const clock = o.clock ?? Date.now;
  if (typeof clock !== 'function') invalid('clock must be a function');
  const ttl = o.ttl === undefined ? Infinity : parseDuration('ttl', o.ttl, true);
  if (ttl === 0) invalid('ttl must be > 0 (omit it to keep sessions forever)');
  const maxMessages = o.maxMessages ?? Infinity;
  if (maxMessages !== Infinity && (!Number.isSafeInteger(maxMessages) || maxMessages < 1)) invalid('maxMessages must be a positive integer');
  const replayWindow = parseDuration('replayWindow', o.replayWindow ?? DEFAULT_REPLAY_WINDOW, true);
  let autoGcInterval = 0;
  if (o.autoGc === true) autoGcInterval = parseDuration('autoGc', DEFAULT_AUTO_GC_INTERVAL);
  else if (typeof o.autoGc === 'object' && o.autoGc !== null) autoGcInterval = parseDuration('autoGc.interval', o.autoGc.interval, false, MAX_TIMER_MS);
  else if (o.autoGc !== undefined && o.autoGc !== false) invalid('autoGc must be a boolean or { interval }');
  if (o.autoGc !== undefined && o.autoGc !== false && autoGcInterval < 1000) invalid('autoGc.interval must be at least 1s');
  const maxExpireShare = validateExpireShare('maxExpireShare', o.maxExpireShare ?? DEFAULT_MAX_EXPIRE_SHARE);
  const readCacheBytes = o.readCacheBytes ?? DEFAULT_READ_CACHE_BYTES;
  if (!Number.isSafeInteger(readCacheBytes) || readCacheBytes < 0) invalid('readCacheBytes must be a non-negative integer');
  return { maxMessageBytes, checkpointEvery, clock, ttl, maxMessages, replayWindow, maxExpireShare, autoGcInterval, readCacheBytes };
}

/** A share of the store, from 0 to 1 (INVALID_ARGUMENT naming the option otherwise). */
export function validateExpireShare(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) invalid(`${name} must be a number from 0 to 1 (a share of the live sessions; 1 turns the guard off)`);
  return value;
}
