import { decodeNumber, decodeRecentEntry } from '../core/codec.js';
import type { HeadRecord } from '../core/codec.js';
import { dirKey, recentKey } from '../core/layout.js';
import type { Projection } from '../core/projection.js';
import type { ReadTxn } from '../storage/backend.js';
import { TurnlogError } from '../errors.js';
import { readState } from './reader.js';

/**
 * A session's checks against its head, its summary/metadata state and the directory and recency
 * indexes, for the fold `p` that reached the head's version (`lastRemoval`: the newest removal of
 * the newest messages the fold saw). `complete` is false when the state could not be read: the
 * session's check ends there, as a failed read does anywhere else.
 */
export function headProblems(tx: ReadTxn, head: HeadRecord, p: Projection, lastRemoval: number): { problems: string[]; complete: boolean } {
  const problems: string[] = [];
  const dir = tx.get('dir', dirKey(head.key));
  if (dir === undefined || decodeNumber(dir, 'directory') !== head.sid) problems.push('directory entry missing or pointing elsewhere');
  const recent = tx.get('recent', recentKey(head.updatedAt, head.sid));
  if (recent === undefined) problems.push('missing from the recency index');
  else {
    // Listings trust the version an entry names (entries from before it was stored name none).
    const named = decodeRecentEntry(recent, () => `recency entry of session #${head.sid}`);
    if (named !== undefined && named !== head.version) problems.push(`the recency index names version ${named}, the head is at ${head.version}`);
  }
  if (p.version !== head.version || p.start !== head.start || p.next !== head.next || p.createdAt !== head.createdAt || p.updatedAt !== head.updatedAt) {
    problems.push(`head (v${head.version} [${head.start}, ${head.next})) differs from the fold (v${p.version} [${p.start}, ${p.next}))`);
  }
  if (JSON.stringify(head.regions ?? []) !== JSON.stringify(p.regions ?? [])) problems.push('chunk regions of the head differ from the fold of the events');
  // `through` cuts trust the head's last removal: it must name the newest one the log holds.
  const recorded = head.lastRemoval ?? 0;
  if (lastRemoval > 0 ? recorded !== lastRemoval : recorded > head.base) problems.push(`the head's last removal (v${recorded}) differs from the log (v${lastRemoval})`);
  try {
    const state = readState(tx, head.sid);
    if (state.summary !== p.summary) problems.push('summary differs from the fold of the events');
    if (JSON.stringify(state.metadata) !== JSON.stringify(p.metadata)) problems.push('metadata differs from the fold of the events');
  } catch (error) {
    problems.push(describeError(error));
    return { problems, complete: false };
  }
  return { problems, complete: true };
}

export function describeError(error: unknown): string {
  return error instanceof TurnlogError ? `${error.code}: ${error.message}` : String(error);
}
