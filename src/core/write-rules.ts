import { TurnlogError, invalid } from '../errors.js';
import type { Change, WriteRequest } from './changes.js';
import type { EventDraft, LogEvent } from './events.js';
import { capCut, plainCut, safeCut, throughCut } from './history-rules.js';
import type { ShapeAt } from './history-rules.js';
import type { Projection } from './projection.js';

/**
 * The decisions a write takes inside its store's transaction, as pure functions over what the
 * store read there. Every store calls these, so versions, conflicts, duplicates and cuts cannot
 * drift between them.
 */

/** The session as a write finds it (undefined: no such session). */
export interface HeadView {
  version: number;
  start: number;
  next: number;
}

/** An eventIds entry: the version that applied the id and the fingerprint of its change. */
export interface SeenEventId {
  version: number;
  /** Absent for entries written before fingerprints: taken as the same change. */
  fingerprint?: string;
}

export type VersionDecision = { duplicate: true; version: number } | { duplicate: false; version: number };

/**
 * Duplicate, conflict or go-ahead. A repeated eventId with the same fingerprint is the original
 * event's result; with another fingerprint, or an `expectedVersion` that is not the session's,
 * CONFLICT (nothing is written). Otherwise the event gets `version` (the session's + 1).
 */
export function decideVersion(req: Pick<WriteRequest, 'key' | 'eventId' | 'expectedVersion' | 'fingerprint'>, actual: number, seen: SeenEventId | undefined): VersionDecision {
  if (seen !== undefined) {
    if (seen.fingerprint !== undefined && seen.fingerprint !== req.fingerprint) {
      throw new TurnlogError('CONFLICT', `eventId ${JSON.stringify(req.eventId)} was already used for a different change (version ${seen.version} of ${JSON.stringify(req.key)}); nothing was written`);
    }
    return { duplicate: true, version: seen.version };
  }
  if (req.expectedVersion !== undefined && req.expectedVersion !== actual) {
    throw new TurnlogError('CONFLICT', `${JSON.stringify(req.key)} is at version ${actual}, not ${req.expectedVersion}`, { expected: req.expectedVersion, actual });
  }
  return { duplicate: false, version: actual + 1 };
}

/** What a cut needs to read of the current version; called lazily, so a plain write reads nothing. */
export interface CutReader {
  /** Shape of the visible message at `pos` of the current version. */
  shapeAt: ShapeAt;
  /**
   * Where the messages placed after version `through` begin in the current history: the `next`
   * of that version, lowered by any later removal of the newest messages.
   */
  placedAfter(through: number): number;
}

/** The reader for a session that does not exist yet: no cut of `draftOf` reads a message then. */
export const NO_SESSION: CutReader = {
  shapeAt: (pos) => {
    throw new RangeError(`no message ${pos} in a session that does not exist`);
  },
  placedAfter: () => 0,
};

/**
 * The draft of `change` against the session as it is now. A rewind's `from` is where its cut
 * lands; a store adds what only it needs (LMDB: the chunk region). `restoredStart` is the cut an
 * imported event recorded, checked to lie in the visible range.
 */
export function draftOf(change: Change, head: HeadView | undefined, cuts: CutReader, restoredStart?: number): EventDraft {
  const draft = computeDraft(change, head, cuts);
  if (restoredStart === undefined || (draft.type !== 'history.truncated' && draft.type !== 'summary.set')) return draft;
  const low = head?.start ?? 0;
  const high = head?.next ?? 0;
  if (!Number.isSafeInteger(restoredStart) || restoredStart < low || restoredStart > high) invalid(`the recorded cut ${restoredStart} lies outside the visible history ${low}..${high}`);
  return { ...draft, start: restoredStart };
}

function computeDraft(change: Change, head: HeadView | undefined, cuts: CutReader): EventDraft {
  const start = head?.start ?? 0;
  const next = head?.next ?? 0;
  switch (change.type) {
    case 'messages.added':
    case 'history.replaced':
      return { type: change.type, messagesJson: change.messagesJson };
    case 'metadata.updated':
      return { type: 'metadata.updated', patchJson: change.patchJson };
    case 'history.truncated':
      if (!change.safe || head === undefined) return { type: 'history.truncated', keepLast: change.keepLast, safe: change.safe, start: plainCut(start, next, change.keepLast) };
      return { type: 'history.truncated', keepLast: change.keepLast, safe: true, start: safeCut(start, next, change.keepLast, cuts.shapeAt) };
    case 'summary.set': {
      const { summary, through } = change;
      if (through === undefined) return { type: 'summary.set', summary };
      const version = head?.version ?? 0;
      if (through > version) invalid(`through (${through}) is beyond the session's version (${version})`);
      if (head === undefined || through === 0) return { type: 'summary.set', summary, through, start };
      return { type: 'summary.set', summary, through, start: throughCut(start, next, cuts.placedAfter(through), cuts.shapeAt) };
    }
    case 'session.forked':
      // The request is conditional on a new session (expectedVersion 0): decideVersion refused an existing one.
      if (head !== undefined) throw new TurnlogError('CONFLICT', `a fork creates a new session; this one is at version ${head.version}`, { expected: 0, actual: head.version });
      return { ...change };
    case 'rewind': {
      const k = Math.min(change.count, next - start);
      const from = next - k;
      if (change.messagesJson === undefined) return { type: 'messages.removed', from, count: k };
      return { type: 'messages.replaced', from, removed: k, messagesJson: change.messagesJson };
    }
  }
}

/** A change that changes nothing (an empty append, a removal of nothing): recorded only with an eventId. */
export function isNoChange(d: EventDraft): boolean {
  if (d.type === 'messages.added') return d.messagesJson.length === 0;
  if (d.type === 'messages.removed') return d.count === 0;
  if (d.type === 'messages.replaced') return d.removed === 0 && d.messagesJson.length === 0;
  return false;
}

/** Whether `event` can make the history longer than the cap (only those are checked against it). */
export function mayExceedCap(after: Projection, event: LogEvent, maxMessages: number): boolean {
  return after.next - after.start > maxMessages && (event.type === 'messages.added' || event.type === 'history.replaced' || event.type === 'messages.replaced');
}

/**
 * `maxMessages`: when `event` leaves more visible messages than the cap, an ordinary truncation
 * event that follows it in the same transaction; `shapeAt` reads the state after `event`.
 * Undefined when no cut is needed or none is clean this time (see capCut).
 */
export function capEventAfter(after: Projection, event: LogEvent, maxMessages: number, shapeAt: ShapeAt): LogEvent | undefined {
  if (!mayExceedCap(after, event, maxMessages)) return undefined;
  const start = capCut(after.start, after.next, maxMessages, shapeAt);
  if (start === undefined) return undefined;
  return { version: event.version + 1, at: event.at, type: 'history.truncated', keepLast: maxMessages, safe: true, start };
}
