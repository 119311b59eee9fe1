import type { EventDraft } from './events.js';

/**
 * A write as the caller described it, validated and encoded before any store is touched. A store
 * turns it into an event draft against the session as it is inside its transaction (see
 * write-rules.ts), so every store resolves cuts and positions by the same pure rules.
 */
export type Change =
  | { type: 'messages.added'; messagesJson: string[] }
  | { type: 'history.replaced'; messagesJson: string[] }
  | { type: 'summary.set'; summary: string; through?: number }
  | { type: 'history.truncated'; keepLast: number; safe: boolean }
  | { type: 'metadata.updated'; patchJson: string }
  /** removeLast (no `messagesJson`) or replaceLast: the newest `count` visible messages. */
  | { type: 'rewind'; count: number; messagesJson?: string[] }
  /** forkSession: the source's view as read (a new session only; its store writes it as event 1). */
  | { type: 'session.forked'; sourceKey: string; sourceVersion: number; from: number; messagesJson: string[]; summary: string; metadataJson: string };

/** An event id of a collected event, as exported: the digest of the id (its key), version, fingerprint. */
export interface RestoredId {
  digest: string;
  version: number;
  fingerprint?: string;
}

/** A validated write, ready for a store: what `SessionLog`'s write methods hand below the API. */
export interface WriteRequest {
  key: string;
  expectedVersion: number | undefined;
  eventId: string | undefined;
  /** The event's timestamp: the caller's `at`, or the clock's reading taken before the transaction. */
  at: number;
  /** Digest of the change as the caller described it (with an eventId): a reuse must match it. */
  fingerprint: string | undefined;
  change: Change;
  /**
   * Set by the jsonl importer only: the event is written as recorded — its own cut (`start`), no
   * `maxMessages` cut of this store — and the collected event ids are recorded with it.
   */
  restored?: { ids: readonly RestoredId[]; start?: number };
}

export type { EventDraft };
