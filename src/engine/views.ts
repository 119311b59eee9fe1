import type { HeadRecord } from '../core/codec.js';
import { emptyView } from '../core/diff.js';
import type { VersionView, ViewPair } from '../core/diff.js';
import { rewindOf } from '../core/events.js';
import { emptyProjection, foldEvents } from '../core/projection.js';
import type { ReadTxn } from '../storage/backend.js';
import type { ChunkCache } from './chunk-cache.js';
import { assertReadable, lowestRewind, messagesOf, snapshotAt } from './reader.js';
import type { Snapshot } from './reader.js';

/**
 * Views of a session at given versions, with positions, for forks and diffs: each costs what
 * `getHistory({ atVersion })` costs (the newest checkpoint at or before it, the events after it,
 * the visible messages), never a scan of the whole log.
 */

/** The view at `version` (0: empty), in the caller's read transaction. */
export function viewAt(tx: ReadTxn, head: HeadRecord, version: number, cache: ChunkCache | undefined): VersionView {
  return version === 0 ? emptyView() : viewOf(tx, head, snapshotAt(tx, head, version), cache);
}

function viewOf(tx: ReadTxn, head: HeadRecord, snap: Snapshot, cache: ChunkCache | undefined): VersionView {
  const p = snap.projection;
  return { version: p.version, start: p.start, messages: messagesOf(tx, head.sid, snap, cache), summary: p.summary, metadata: p.metadata };
}

/**
 * The views at `from` and `to` (either order) and the lowest position a removal of the newest
 * messages gave away between them. The events in between are read only when both views show
 * messages and the head says a removal happened after the older version, and then only up to
 * that newest removal (lowestRewind); when the newer snapshot's tail already holds them (a
 * one-step diff), nothing more is read.
 */
export function viewPair(tx: ReadTxn, head: HeadRecord, from: number, to: number, cache: ChunkCache | undefined): ViewPair {
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  const newer = hi === 0 ? undefined : snapshotAt(tx, head, hi);
  if (lo > 0) assertReadable(head, lo);
  const older = lo === 0 ? undefined : newer !== undefined && lo >= (newer.base?.projection.version ?? 0) ? earlier(newer, lo) : snapshotAt(tx, head, lo);
  const views = new Map<number, VersionView>();
  views.set(lo, older === undefined ? emptyView() : viewOf(tx, head, older, cache));
  views.set(hi, newer === undefined ? emptyView() : viewOf(tx, head, newer, cache));
  const before = views.get(from) as VersionView;
  const after = views.get(to) as VersionView;
  let rewoundFrom: number | undefined;
  const overlap = before.messages.length > 0 && after.messages.length > 0 && lo < hi;
  if (overlap && (head.lastRemoval ?? 0) > lo && newer !== undefined) {
    const tailFrom = newer.base?.projection.version ?? 0;
    if (tailFrom <= lo) {
      // the newer snapshot's tail holds them already: nothing more is read
      for (const e of newer.tail) {
        const rw = e.version > lo ? rewindOf(e) : undefined;
        if (rw !== undefined && (rewoundFrom === undefined || rw.from < rewoundFrom)) rewoundFrom = rw.from;
      }
    } else rewoundFrom = lowestRewind(tx, head, lo, hi);
  }
  return { before, after, rewoundFrom };
}

/**
 * The snapshot at `version` from a later one on the same checkpoint: its tail up to `version`,
 * folded again. Nothing is read (a one-step diff reads the checkpoint and the tail once).
 */
function earlier(snap: Snapshot, version: number): Snapshot {
  const tail = snap.tail.filter((e) => e.version <= version);
  return { projection: foldEvents(snap.base?.projection ?? emptyProjection(), tail), base: snap.base, tail };
}
