import { checkOptionKeys, checkTime, readClock, validateEventId, validateKey, validateVersionOption } from '../core/validate.js';
import { digest } from '../core/layout.js';
import type { Change, RestoredId, WriteRequest } from '../core/changes.js';
import type { WriteOptions } from '../types.js';

/**
 * Not public: the jsonl importer's way to write an exported event exactly as it was recorded.
 * Passed as a symbol-keyed field of the write options (option checks see only string keys).
 */
export const RESTORE = Symbol('turnlog.restore');

export interface RestoreOptions {
  /** The fingerprint the eventId was stored with in the exporting store (the change as first described). */
  fingerprint?: string;
  /** The cut position the exported event recorded (truncations, summaries with `through`). */
  start?: number;
  /** Event ids of events GC collected, written with this event (versions already mapped). */
  ids?: readonly RestoredId[];
}

/** Write options that may carry the importer's RestoreOptions. */
export type RestorableOptions = { [RESTORE]?: RestoreOptions };

/** What a write method validated and encoded: the change as described, and the change to apply. */
export interface PreparedChange {
  parts: readonly unknown[];
  change: Change;
}

/**
 * Validation and encoding happen before any store is touched (`prepare`), so bad input is
 * rejected without writing. `name` and the returned `parts` (the validated payload and the
 * options that shape the result) are the change as the caller described it: with an eventId
 * their digest is stored, and a reuse of the id must describe the same change.
 */
export function prepareWrite(key: string, opts: WriteOptions | undefined, optionNames: readonly string[], name: string, prepare: () => PreparedChange, clock: () => number): WriteRequest {
  validateKey(key);
  checkOptionKeys('options', opts, optionNames);
  const expectedVersion = validateVersionOption('expectedVersion', opts?.expectedVersion, true);
  const eventId = validateEventId(opts?.eventId);
  const { parts, change } = prepare();
  const restore = (opts as RestorableOptions | undefined)?.[RESTORE];
  const fingerprint = eventId === undefined ? undefined : (restore?.fingerprint ?? digest(JSON.stringify([name, ...parts])).slice(0, 32));
  // The timestamp is taken and checked before the transaction: it ends up in keys and records.
  const at = opts?.at === undefined ? readClock(clock) : checkTime('at', opts.at);
  if (restore === undefined) return { key, expectedVersion, eventId, at, fingerprint, change };
  // A restored event is written as recorded: its own cut, and no maxMessages cut of this store.
  const restored = restore.start === undefined ? { ids: restore.ids ?? [] } : { ids: restore.ids ?? [], start: restore.start };
  return { key, expectedVersion, eventId, at, fingerprint, change, restored };
}
