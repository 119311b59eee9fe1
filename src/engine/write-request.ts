import { checkOptionKeys, checkTime, readClock, validateEventId, validateKey, validateVersionOption } from '../core/validate.js';
import { digest } from '../core/layout.js';
import type { WriteOptions } from '../types.js';
import type { DraftBuilder, WriteRequest } from './writer.js';

/** What a write method validated and encoded: the change as described, and its event builder. */
export interface PreparedChange {
  parts: readonly unknown[];
  build: DraftBuilder;
}

/**
 * Validation and encoding happen before the transaction (`prepare`), so bad input is rejected
 * without touching the store; the returned builder runs inside it against the current state.
 * `change` and the returned `parts` (the validated payload and the options that shape the
 * result) are the change as the caller described it: with an eventId their digest is stored,
 * and a reuse of the id must describe the same change.
 */
export function prepareWrite(key: string, opts: WriteOptions | undefined, optionNames: readonly string[], change: string, prepare: () => PreparedChange, clock: () => number): WriteRequest {
  validateKey(key);
  checkOptionKeys('options', opts, optionNames);
  const expectedVersion = validateVersionOption('expectedVersion', opts?.expectedVersion, true);
  const eventId = validateEventId(opts?.eventId);
  const { parts, build } = prepare();
  const fingerprint = eventId === undefined ? undefined : digest(JSON.stringify([change, ...parts])).slice(0, 32);
  // The timestamp is taken and checked before the transaction: it ends up in keys and records.
  const at = opts?.at === undefined ? readClock(clock) : checkTime('at', opts.at);
  return { key, expectedVersion, eventId, at, fingerprint, build };
}
