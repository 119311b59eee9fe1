/**
 * Garbage-collection planning: pure decisions from a session's head and checkpoint times.
 *
 * A session's log is collected up to a **base**: a checkpoint whose version `b` becomes the
 * oldest readable version. Everything the current state needs from before `b` is in that
 * checkpoint (projection) and its chunks (messages), so events ≤ b, checkpoints < b and chunks
 * wholly below the base's `start` can go without changing any version ≥ b.
 *
 * Version v stops being current when event v+1 is written. Versions before `b` may be collected
 * once the event `b` that superseded the last of them is older than the replay window.
 */
export interface CheckpointTime {
  version: number;
  /** `at` of the checkpoint's event. */
  at: number;
}

export interface BaseChoice {
  /** The version that becomes the base (oldest readable). */
  version: number;
  /** True when no checkpoint exists there yet and GC must write one. */
  needsCheckpoint: boolean;
}

/**
 * Checkpoints GC reads per session per pass, oldest first after the base. A session with a
 * million events has tens of thousands of checkpoints: reading them all before removing anything
 * is what made one GC transaction unbounded. Any old-enough checkpoint is a valid base, so a pass
 * takes the newest old-enough one among these, and the next pass carries on from there.
 */
export const CHECKPOINT_SCAN = 64;

/**
 * The newest version that may become the base at `now`: the head itself when the whole session
 * is old enough (`headHasCheckpoint` says whether one exists there), else the newest of the
 * scanned checkpoints that is old enough. `checkpoints` may be only the first ones after the base
 * (see CHECKPOINT_SCAN): a base chosen among them is still safe, only not the furthest possible.
 * Undefined when nothing can be collected.
 */
export function chooseBase(
  head: { version: number; updatedAt: number; base: number },
  checkpoints: readonly CheckpointTime[],
  now: number,
  replayWindow: number,
  headHasCheckpoint: boolean,
): BaseChoice | undefined {
  if (replayWindow === Infinity) return undefined;
  const cutoff = now - replayWindow;
  if (head.version > head.base && head.updatedAt <= cutoff) return { version: head.version, needsCheckpoint: !headHasCheckpoint };
  let best: CheckpointTime | undefined;
  for (const c of checkpoints) if (c.version > head.base && c.at <= cutoff && (best === undefined || c.version > best.version)) best = c;
  return best === undefined ? undefined : { version: best.version, needsCheckpoint: false };
}

/**
 * The review-queue key of a session: the time of its next candidate base (a newer checkpoint,
 * else the head), so the session is due once that time is older than the replay window of
 * whichever process runs GC. When the scan was cut (`more`: checkpoints follow the scanned ones)
 * and none of the scanned ones is left after the base, the next candidate is unknown and may be
 * old already: the session is due again at once (`now - replayWindow`), and since every pass
 * moves its base forward, that ends. Undefined when there is nothing after the base.
 */
export function nextReviewAt(
  head: { version: number; updatedAt: number },
  base: number,
  checkpoints: readonly CheckpointTime[],
  more: boolean,
  now: number,
  replayWindow: number,
): number | undefined {
  if (head.version <= base || replayWindow === Infinity) return undefined;
  const after = checkpoints.filter((c) => c.version > base && c.version < head.version);
  if (more && after.length === 0) return Math.min(head.updatedAt, now - replayWindow);
  let at = head.updatedAt;
  for (const c of after) if (c.at < at) at = c.at;
  return at;
}

/**
 * The guard against a clock jump: a GC run whose ttl would expire more than `maxShare` of the
 * live sessions expires none of them (a clock a year ahead, or a store left alone for longer than
 * its ttl, would otherwise lose everything at once). Runs that would expire at most
 * EXPIRE_GUARD_FLOOR sessions are never held back, so a small store still expires normally.
 */
export const EXPIRE_GUARD_FLOOR = 10;
export const DEFAULT_MAX_EXPIRE_SHARE = 0.5;

/** The largest number of sessions one GC run may expire out of `live`. */
export function expiryLimit(live: number, maxShare: number): number {
  if (maxShare >= 1) return Infinity;
  return Math.max(EXPIRE_GUARD_FLOOR, Math.floor(live * maxShare));
}

/**
 * What a GC run does about a clock that may have jumped, from the sessions idle past the ttl
 * and the live sessions. When more are idle than `expiryLimit` allows, the clock looks jumped
 * (or the store was left alone for longer than its ttl): the run expires none of them, and it
 * compacts nothing either, since the same clock would fold away every session's replay history
 * (versions are only as old as the clock says). Purges of deleted sessions go on: they do not
 * depend on the clock. Without a ttl there is no count to judge by, and nothing is held back:
 * the store alone cannot tell a clock a year ahead from a year without writes, and compaction
 * never changes a session's current state.
 */
export function clockJumpGuard(idle: number, live: number, maxShare: number): { expire: boolean; compact: boolean } {
  const jumped = idle > expiryLimit(live, maxShare);
  return { expire: !jumped, compact: !jumped };
}

/**
 * Chunks to drop once the base's visible range starts at `start`: every chunk that ends at or
 * before it. `chunks` are [first position, message count] in position order.
 */
export function chunksBelow(chunks: ReadonlyArray<readonly [number, number]>, start: number): number[] {
  return chunks.filter(([from, count]) => from + count <= start).map(([from]) => from);
}
