import type { ChangedField, DiffMessage, Message, SessionDiff } from '../types.js';

/**
 * What a reader sees of a session at one version, with the absolute position of its first
 * visible message: the messages are at positions `start`, `start + 1`, … Version 0 (before the
 * first event) is empty.
 */
export interface VersionView {
  version: number;
  start: number;
  messages: Message[];
  summary: string;
  metadata: Record<string, unknown>;
}

/** The view before the first event. */
export function emptyView(): VersionView {
  return { version: 0, start: 0, messages: [], summary: '', metadata: {} };
}

/**
 * Two views of one session and what happened to positions between them: `rewoundFrom` is the
 * lowest position a removal of the newest messages (removeLast, replaceLast) gave away in the
 * events between the two versions, or undefined when none did. Positions from there on may
 * hold other messages on the two sides.
 */
export interface ViewPair {
  before: VersionView;
  after: VersionView;
  rewoundFrom: number | undefined;
}

/**
 * The diff of two views, pure. A message is identified by its position: a position visible on
 * both sides holds the same message unless a removal between the versions gave it away
 * (`rewoundFrom`), in which case the old message is removed and the new one added even when
 * their contents are equal. Nothing is guessed from content. Works in either direction (a
 * `before` newer than `after` gives the inverse diff).
 */
export function diffViews(key: string, { before, after, rewoundFrom }: ViewPair): SessionDiff {
  const reused = rewoundFrom ?? Infinity;
  const beforeEnd = before.start + before.messages.length;
  const afterEnd = after.start + after.messages.length;
  // Kept: visible on both sides, and not given away in between.
  const keptFrom = Math.max(before.start, after.start);
  const keptTo = Math.min(beforeEnd, afterEnd, Math.max(keptFrom, reused));
  const outside = (pos: number): boolean => pos < keptFrom || pos >= keptTo;
  const removed: DiffMessage[] = [];
  before.messages.forEach((message, i) => {
    if (outside(before.start + i)) removed.push({ position: before.start + i, message });
  });
  const added: DiffMessage[] = [];
  after.messages.forEach((message, i) => {
    if (outside(after.start + i)) added.push({ position: after.start + i, message });
  });
  const out: SessionDiff = {
    key,
    fromVersion: before.version,
    toVersion: after.version,
    added,
    removed,
    messageCount: { before: before.messages.length, after: after.messages.length },
    metadata: diffMetadata(before.metadata, after.metadata),
  };
  if (before.summary !== after.summary) out.summary = { before: before.summary, after: after.summary };
  return out;
}

/** Top-level fields added, removed and changed; values compared as JSON data (key order aside). */
export function diffMetadata(before: Record<string, unknown>, after: Record<string, unknown>): SessionDiff['metadata'] {
  const added: Record<string, unknown> = {};
  const removed: Record<string, unknown> = {};
  const changed: Record<string, ChangedField> = {};
  const has = (o: Record<string, unknown>, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
  for (const k of Object.keys(before)) {
    if (!has(after, k)) define(removed, k, before[k]);
    else if (!sameJson(before[k], after[k])) define(changed, k, { before: before[k], after: after[k] });
  }
  for (const k of Object.keys(after)) if (!has(before, k)) define(added, k, after[k]);
  return { added, removed, changed };
}

/** Equality of JSON data; objects compare by their fields, whatever their order. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameJson(x, b[i]));
  }
  const ka = Object.keys(a);
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && sameJson(ra[k], rb[k]));
}

/** Keys such as `__proto__` stay plain data (metadata may hold any key). */
function define(obj: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
}
