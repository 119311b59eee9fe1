import type { Change, WriteRequest } from '../core/changes.js';
import { diffViews } from '../core/diff.js';
import { digest } from '../core/layout.js';
import { TurnlogError, isTurnlogError } from '../errors.js';
import type { SessionStore } from '../store/session-store.js';
import type { ForkOrigin, ForkResult, SessionDiff } from '../types.js';

/**
 * forkSession and diff over any SessionStore: the store reads a consistent view (or two), the
 * pure core decides the rest. A fork is one ordinary write of a new session (its first event,
 * `session.forked`, carries the copy), so it is atomic on every store: either no new session,
 * or the complete one.
 */

/**
 * Forks `sourceKey` at `atVersion` into the session `req.key` (`req`: the checked write, its
 * change still to be filled in). Reads the source's view, then writes it as the new session's
 * first event, conditional on the new key being free.
 */
export async function forkThrough(store: SessionStore, req: WriteRequest, sourceKey: string, atVersion: number | undefined): Promise<ForkResult> {
  let view;
  try {
    view = await store.view(sourceKey, atVersion);
    if (view === undefined) throw new TurnlogError('NOT_FOUND', `no session ${JSON.stringify(sourceKey)} to fork`);
  } catch (error) {
    // A retry of a fork that succeeded is its duplicate even when the source is gone or collected since.
    const earlier = await earlierFork(store, req, error);
    if (earlier !== undefined) return earlier;
    throw error;
  }
  const change: Change = {
    type: 'session.forked',
    sourceKey,
    sourceVersion: view.version,
    from: view.start,
    // The stored JSON of each message again: JSON.stringify of what JSON.parse made of it is the same text.
    messagesJson: view.messages.map((m) => JSON.stringify(m)),
    summary: view.summary,
    metadataJson: JSON.stringify(view.metadata),
  };
  let out;
  try {
    out = await store.write({ ...req, expectedVersion: 0, change });
  } catch (error) {
    // The new key is taken (an eventId used for another change keeps its own message).
    if (isTurnlogError(error, 'CONFLICT') && error.expected === 0) {
      throw new TurnlogError('CONFLICT', `session ${JSON.stringify(req.key)} already exists (at version ${error.actual ?? '?'}): a fork makes a new session; nothing was written`, { expected: 0, ...(error.actual === undefined ? {} : { actual: error.actual }) });
    }
    throw error;
  }
  if (out.duplicate === true) return duplicate(store, req.key, out.version);
  return { version: out.version, forkedFrom: { key: sourceKey, version: view.version }, messageCount: view.messages.length };
}

/**
 * When reading the source failed (NOT_FOUND, PRUNED, a version past its newest): the earlier
 * result of the same fork, if `req.eventId` already created the new session. Undefined otherwise.
 */
async function earlierFork(store: SessionStore, req: WriteRequest, error: unknown): Promise<ForkResult | undefined> {
  if (req.eventId === undefined || !(isTurnlogError(error, 'NOT_FOUND') || isTurnlogError(error, 'PRUNED') || isTurnlogError(error, 'INVALID_ARGUMENT'))) return undefined;
  const wanted = digest(req.eventId);
  const seen = (await store.keptEventIds(req.key)).find((id) => id.digest === wanted);
  if (seen === undefined) return undefined;
  if (seen.fingerprint !== undefined && seen.fingerprint !== req.fingerprint) {
    throw new TurnlogError('CONFLICT', `eventId ${JSON.stringify(req.eventId)} was already used for a different change (version ${seen.version} of ${JSON.stringify(req.key)}); nothing was written`);
  }
  return duplicate(store, req.key, seen.version);
}

/** A duplicate's result: the origin and count read back from the fork event (absent once GC collected it). */
async function duplicate(store: SessionStore, key: string, version: number): Promise<ForkResult> {
  let found: { origin: ForkOrigin; count: number } | undefined;
  try {
    for await (const e of store.events(key, version, version)) if (e.type === 'session.forked') found = { origin: e.forkedFrom, count: e.messages.length };
  } catch (error) {
    if (!isTurnlogError(error, 'PRUNED')) throw error;
  }
  return found === undefined ? { version, duplicate: true } : { version, duplicate: true, forkedFrom: found.origin, messageCount: found.count };
}

/**
 * The diff between two versions (`to` default: current; `from` default: `to − 1`): two views
 * read by the store in one consistent read, compared by the pure core.
 */
export async function diffThrough(store: SessionStore, key: string, from: number | undefined, to: number | undefined): Promise<SessionDiff> {
  // The defaults are resolved by the store in the same read as the views (see viewPair).
  const pair = await store.viewPair(key, from, to);
  if (pair === undefined) throw notFound(key);
  return diffViews(key, pair);
}

const notFound = (key: string): TurnlogError => new TurnlogError('NOT_FOUND', `no session ${JSON.stringify(key)}`);
