import { checkOptionKeys, checkTime, readClock } from '../core/validate.js';
import { invalid } from '../errors.js';
import type { ResolvedOptions } from './options.js';
import { CHUNK_BYTES, validateExpireShare } from './options.js';
import type { GcOptions, GcPolicy } from './gc.js';
import type { BackupOptions, VerifyOptions } from './maintenance-options.js';
import { BACKUP_OPTION_NAMES, GC_OPTION_NAMES, VERIFY_OPTION_NAMES } from './method-options.js';

/** Checks `gc()` options before the run is queued; throws INVALID_ARGUMENT. */
export function checkGcOptions(opts: GcOptions): void {
  checkOptionKeys('gc options', opts, GC_OPTION_NAMES);
  if (opts.now !== undefined) checkTime('gc now', opts.now);
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') invalid('onProgress must be a function');
  if (opts.maxExpireShare !== undefined) validateExpireShare('maxExpireShare', opts.maxExpireShare);
}

/** The policy of one GC run: this log's ttl and replay window, the clock read when the run starts. */
export function gcPolicy(opts: GcOptions, resolved: ResolvedOptions): GcPolicy {
  const now = opts.now === undefined ? readClock(resolved.clock) : checkTime('gc now', opts.now);
  const maxExpireShare = opts.maxExpireShare ?? resolved.maxExpireShare;
  return { now, ttl: resolved.ttl, replayWindow: resolved.replayWindow, chunkBytes: CHUNK_BYTES, maxExpireShare };
}

/** Checks `backup()` arguments; throws INVALID_ARGUMENT before anything starts. */
export function checkBackupArguments(dest: string, opts: BackupOptions): void {
  checkOptionKeys('backup options', opts, BACKUP_OPTION_NAMES);
  if (typeof dest !== 'string' || dest.length === 0) invalid('backup destination must be a non-empty path');
}

/** Checks `verify()` options; throws INVALID_ARGUMENT. */
export function checkVerifyOptions(opts: VerifyOptions): void {
  checkOptionKeys('verify options', opts, VERIFY_OPTION_NAMES);
  if (opts.onProgress !== undefined && typeof opts.onProgress !== 'function') invalid('onProgress must be a function');
}
