import { corrupt } from '../errors.js';
import { parsePatch } from './codec.js';
import type { LogEvent } from './events.js';
import { lastRegion, MAX_REGION, startRegion } from './layout.js';
import type { Regions } from './layout.js';

/**
 * Bumped whenever the fold below changes meaning. Checkpoints record it, so a store written by an
 * older fold is re-folded from its events instead of trusting stale checkpoints.
 */
export const PROJECTION_FORMAT = 1;

/**
 * The state of a session after some version, minus the message bodies: the visible history is
 * always the contiguous position range [start, next) — additions extend `next`, cuts and
 * summaries move `start` forward, a replacement starts a new range at the old `next`, and a
 * removal of the newest messages moves `next` back (the positions are used again by what follows).
 */
export interface Projection {
  version: number;
  start: number;
  next: number;
  summary: string;
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  /** Chunk regions (layout.ts); absent for every session that never removed sealed messages. */
  regions?: Regions;
}

export function emptyProjection(): Projection {
  return { version: 0, start: 0, next: 0, summary: '', metadata: {}, createdAt: 0, updatedAt: 0 };
}

export function cloneProjection(p: Projection): Projection {
  return { ...p, metadata: { ...p.metadata } };
}

/** Shallow merge where `null` deletes; defineProperty keeps keys such as `__proto__` as plain data. */
export function mergeMetadata(target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(target)) define(out, k, target[k]);
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null) delete out[k];
    else if (v !== undefined) define(out, k, v);
  }
  return out;
}

function define(obj: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function cannotApply(e: LogEvent, why: string): never {
  return corrupt(`event ${e.version} (${e.type}) cannot be applied: ${why}`);
}

/** The fold: the projection right after `e`. Pure; throws CORRUPT on an event that cannot follow `p`. */
export function applyEvent(p: Projection, e: LogEvent): Projection {
  if (e.version !== p.version + 1) cannotApply(e, `expected version ${p.version + 1}`);
  // updatedAt never moves backwards: it is the session's recency and GC position, and a clock
  // set back (a device booting at the epoch before NTP) must not make a fresh write look old.
  // The event's own `at` keeps what the clock said.
  const out: Projection = { ...p, version: e.version, updatedAt: p.version === 0 ? e.at : Math.max(p.updatedAt, e.at) };
  if (p.version === 0) out.createdAt = e.at;
  switch (e.type) {
    case 'messages.added':
    case 'history.replaced':
      if (e.from !== p.next) cannotApply(e, `messages must start at position ${p.next}`);
      if (e.type === 'history.replaced') out.start = p.next;
      out.next = p.next + e.messagesJson.length;
      return out;
    case 'summary.set':
      out.summary = e.summary;
      if (e.start !== undefined) out.start = cut(p, e, e.start);
      return out;
    case 'history.truncated':
      out.start = cut(p, e, e.start);
      return out;
    case 'metadata.updated':
      out.metadata = mergeMetadata(p.metadata, parsePatch(e.patchJson, () => `metadata patch of event ${e.version}`));
      return out;
    case 'messages.removed':
    case 'messages.replaced': {
      const removed = e.type === 'messages.removed' ? e.count : e.removed;
      if (removed > p.next - p.start) cannotApply(e, `removes ${removed} of ${p.next - p.start} visible messages`);
      if (e.from !== p.next - removed) cannotApply(e, `the removal must start at position ${p.next - removed}`);
      out.next = e.from + (e.type === 'messages.replaced' ? e.messagesJson.length : 0);
      if (e.region !== undefined) {
        if (e.region <= lastRegion(p.regions ?? []) || e.region >= MAX_REGION) cannotApply(e, `region ${e.region} is not new`);
        out.regions = startRegion(p.regions ?? [], e.from, e.region);
      }
      return out;
    }
    case 'session.forked':
      if (p.version !== 0) cannotApply(e, 'a fork is only ever the first event');
      out.start = e.from;
      out.next = e.from + e.messagesJson.length;
      out.summary = e.summary;
      out.metadata = mergeMetadata({}, parsePatch(e.metadataJson, () => `metadata of event ${e.version}`));
      return out;
  }
}

function cut(p: Projection, e: LogEvent, start: number): number {
  if (start < p.start || start > p.next) cannotApply(e, `cut ${start} outside [${p.start}, ${p.next}]`);
  return start;
}

export function foldEvents(from: Projection, events: Iterable<LogEvent>): Projection {
  let p = from;
  for (const e of events) p = applyEvent(p, e);
  return p;
}

export function projectionsEqual(a: Projection, b: Projection): boolean {
  return (
    a.version === b.version &&
    a.start === b.start &&
    a.next === b.next &&
    a.summary === b.summary &&
    a.createdAt === b.createdAt &&
    a.updatedAt === b.updatedAt &&
    JSON.stringify(a.regions ?? []) === JSON.stringify(b.regions ?? []) &&
    JSON.stringify(a.metadata) === JSON.stringify(b.metadata)
  );
}
