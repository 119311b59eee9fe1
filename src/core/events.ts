import type { EventType } from '../types.js';

/**
 * An event as it is stored: user payloads (messages, metadata patches) are kept as JSON text so
 * they round-trip exactly and can be copied into chunks without being parsed again.
 */
export interface StoredEvent {
  /** Session version of this event: 1, 2, 3… with no gaps. */
  v: number;
  /** Writer's clock, ms since epoch. Never used for ordering. */
  at: number;
  t: EventType;
  /** Idempotency key given by the writer. */
  id?: string;
  /** messages.added / history.replaced: the messages, as JSON text. */
  m?: string[];
  /** messages.added / history.replaced: absolute position of the first message in `m`. */
  f?: number;
  /** summary.set: the summary. */
  s?: string;
  /** summary.set: the `through` version the writer gave. */
  th?: number;
  /** summary.set with `through`, history.truncated: the resolved first visible position after the event. */
  st?: number;
  /** history.truncated: the `keepLast` the writer asked for. */
  k?: number;
  /** history.truncated: whether the cut was moved to a turn boundary. */
  sf?: boolean;
  /** metadata.updated: the patch as JSON text (null values delete). */
  p?: string;
}

/** Positions of the messages an event carries, or undefined when it carries none. */
export function messageSpan(e: StoredEvent): { from: number; to: number } | undefined {
  if (e.m === undefined || e.f === undefined) return undefined;
  return { from: e.f, to: e.f + e.m.length };
}
