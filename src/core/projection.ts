import { TurnlogError } from '../errors.js';
import type { StoredEvent } from './events.js';

/**
 * Bumped whenever the fold below changes meaning. Checkpoints record it, so a store written by an
 * older fold is re-folded from its events instead of trusting stale checkpoints.
 */
export const PROJECTION_FORMAT = 1;

/**
 * The state of a session after some version, minus the message bodies: the visible history is
 * always the contiguous position range [start, next) — additions extend `next`, cuts and
 * summaries move `start` forward, a replacement starts a new range at the old `next`.
 */
export interface Projection {
  version: number;
  start: number;
  next: number;
  summary: string;
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
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

function corrupt(e: StoredEvent, why: string): never {
  throw new TurnlogError('CORRUPT', `event ${e.v} (${e.t}) cannot be applied: ${why}`);
}

/** The fold: the projection right after `e`. Pure; throws CORRUPT on an event that cannot follow `p`. */
export function applyEvent(p: Projection, e: StoredEvent): Projection {
  if (e.v !== p.version + 1) corrupt(e, `expected version ${p.version + 1}`);
  const out: Projection = { ...p, version: e.v, updatedAt: e.at };
  if (p.version === 0) out.createdAt = e.at;
  switch (e.t) {
    case 'messages.added':
    case 'history.replaced': {
      if (e.m === undefined || e.f !== p.next) corrupt(e, `messages must start at position ${p.next}`);
      if (e.t === 'history.replaced') out.start = p.next;
      out.next = p.next + e.m.length;
      return out;
    }
    case 'history.truncated':
    case 'summary.set': {
      if (e.t === 'summary.set') {
        if (typeof e.s !== 'string') corrupt(e, 'missing summary');
        out.summary = e.s;
      }
      if (e.st !== undefined) {
        if (e.st < p.start || e.st > p.next) corrupt(e, `cut ${e.st} outside [${p.start}, ${p.next}]`);
        out.start = e.st;
      } else if (e.t === 'history.truncated') corrupt(e, 'missing cut');
      return out;
    }
    case 'metadata.updated': {
      if (typeof e.p !== 'string') corrupt(e, 'missing patch');
      out.metadata = mergeMetadata(p.metadata, JSON.parse(e.p) as Record<string, unknown>);
      return out;
    }
    default:
      return corrupt(e, 'unknown event type');
  }
}

export function foldEvents(from: Projection, events: Iterable<StoredEvent>): Projection {
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
    JSON.stringify(a.metadata) === JSON.stringify(b.metadata)
  );
}
