import { isToolResultRole } from './history-rules.js';

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
 * The newest version that may become the base at `now`: the newest checkpoint old enough, or the
 * head itself when the whole session is old enough. Undefined when nothing can be collected.
 */
export function chooseBase(
  head: { version: number; updatedAt: number; base: number },
  checkpoints: readonly CheckpointTime[],
  now: number,
  replayWindow: number,
): BaseChoice | undefined {
  if (replayWindow === Infinity) return undefined;
  const cutoff = now - replayWindow;
  if (head.version > head.base && head.updatedAt <= cutoff) {
    const hasCheckpoint = checkpoints.some((c) => c.version === head.version);
    return { version: head.version, needsCheckpoint: !hasCheckpoint };
  }
  let best: CheckpointTime | undefined;
  for (const c of checkpoints) if (c.version > head.base && c.at <= cutoff && (best === undefined || c.version > best.version)) best = c;
  return best === undefined ? undefined : { version: best.version, needsCheckpoint: false };
}

/**
 * When to look at the session again: the time its next candidate (a newer checkpoint, else the
 * head) leaves the replay window. Undefined when there is nothing after the base.
 */
export function nextReviewAt(
  head: { version: number; updatedAt: number },
  base: number,
  checkpoints: readonly CheckpointTime[],
  replayWindow: number,
): number | undefined {
  if (head.version <= base || replayWindow === Infinity) return undefined;
  let at = head.updatedAt;
  for (const c of checkpoints) if (c.version > base && c.at < at) at = c.at;
  return at + replayWindow;
}

/**
 * Chunks to drop once the base's visible range starts at `start`: every chunk that ends at or
 * before it. `chunks` are [first position, message count] in position order.
 */
export function chunksBelow(chunks: ReadonlyArray<readonly [number, number]>, start: number): number[] {
  return chunks.filter(([from, count]) => from + count <= start).map(([from]) => from);
}

/** The cap of `maxMessages`: a cut that keeps at most `max` and never opens on an orphan tool result. */
export function capCut(start: number, next: number, max: number, roleAt: (pos: number) => string): number | undefined {
  if (next - start <= max) return undefined;
  const plain = next - max;
  for (let i = plain; i < next; i++) if (roleAt(i) === 'user') return i;
  let i = plain;
  while (i < next && isToolResultRole(roleAt(i))) i++;
  return i;
}
