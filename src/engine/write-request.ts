import { checkOptionKeys, checkTime, readClock, validateEventId, validateKey, validateVersionOption } from '../core/validate.js';
import { digest } from '../core/layout.js';
import type { WriteOptions } from '../types.js';
import { invalid } from '../errors.js';
import type { DraftBuilder, RestoredId, WriteRequest } from './writer.js';

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

/** The recorded cut replaces the computed one, checked to lie in the visible range. */
function exactCut(build: DraftBuilder, start: number): DraftBuilder {
  return (ctx) => {
    const draft = build(ctx);
    if (draft.type !== 'history.truncated' && draft.type !== 'summary.set') return draft;
    const low = ctx.head?.start ?? 0;
    const high = ctx.head?.next ?? 0;
    if (!Number.isSafeInteger(start) || start < low || start > high) invalid(`the recorded cut ${start} lies outside the visible history ${low}..${high}`);
    return { ...draft, start };
  };
}

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
  const restore = (opts as RestorableOptions | undefined)?.[RESTORE];
  const fingerprint = eventId === undefined ? undefined : (restore?.fingerprint ?? digest(JSON.stringify([change, ...parts])).slice(0, 32));
  // The timestamp is taken and checked before the transaction: it ends up in keys and records.
  const at = opts?.at === undefined ? readClock(clock) : checkTime('at', opts.at);
  if (restore === undefined) return { key, expectedVersion, eventId, at, fingerprint, build };
  // A restored event is written as recorded: its own cut, and no maxMessages cut of this store.
  const exact = restore.start === undefined ? build : exactCut(build, restore.start);
  return { key, expectedVersion, eventId, at, fingerprint, build: exact, restored: { ids: restore.ids ?? [] } };
}
