import { orphanResults } from './message-shapes.js';
import type { MessageShape } from './message-shapes.js';

/**
 * History rules: where a cut lands. Pure functions over positions; `shapeAt` gives the shape (see
 * message-shapes.ts) of the message at an absolute position inside the visible range [start, next).
 * Only the messages a cut needs to look at are read.
 *
 * A cut at `c` keeps [c, next). It is **clean** when it separates no reasoning item from the item
 * after it (the message at c − 1 is not glued) and every result in the turn it lands in (from c up
 * to the next user turn) answers a call made at or after c. Results answer calls of their own turn
 * (every model API requires it), so a clean cut orphans nothing.
 */
export type ShapeAt = (pos: number) => MessageShape;

/** `keepLast` as picoclaw does it: n ≤ 0 keeps none, n ≥ count keeps all. Returns the new start. */
export function plainCut(start: number, next: number, keepLast: number): number {
  const count = next - start;
  const keep = Math.max(0, Math.min(count, keepLast));
  return next - keep;
}

/** See the module comment. Cutting at `start` (keep all) or `next` (keep none) is always clean. */
export function isCleanCut(start: number, next: number, cut: number, shapeAt: ShapeAt): boolean {
  if (cut <= start || cut >= next) return true;
  if (shapeAt(cut - 1).glued) return false;
  const open = new Set<string>();
  for (let i = cut; i < next; i++) {
    const s = shapeAt(i);
    if (i > cut && s.userTurn) return true;
    for (const id of s.opens) open.add(id);
    for (const id of s.closes) if (!open.has(id)) return false;
  }
  return true;
}

const cleanTurn = (start: number, next: number, i: number, shapeAt: ShapeAt): boolean => shapeAt(i).userTurn && isCleanCut(start, next, i, shapeAt);

/**
 * A cut that splits no turn: moved back to the nearest clean user turn at or before the plain
 * cut; when there is none, forward to the next one after it; when there is none after the cut
 * either, everything goes (any other cut could orphan a tool result).
 * Cutting at `start` (keep all) or `next` (keep none) is always safe.
 */
export function safeCut(start: number, next: number, keepLast: number, shapeAt: ShapeAt): number {
  const cut = plainCut(start, next, keepLast);
  if (cut === start || cut === next) return cut;
  for (let i = cut; i >= start; i--) if (cleanTurn(start, next, i, shapeAt)) return i;
  for (let i = cut + 1; i < next; i++) if (cleanTurn(start, next, i, shapeAt)) return i;
  return next;
}

/**
 * `setSummary(…, { through })`: every message added at or before `through` goes, never later
 * ones — unless that cut is not clean (a summariser that read the history between a tool call
 * and its result, or between a reasoning item and its call). Then the cut moves back to the user
 * turn that opened that turn (or keeps everything when there is none): a few summarised messages
 * stay visible, and no request is ever sent with an orphaned result.
 */
export function throughCut(start: number, next: number, nextAtThrough: number, shapeAt: ShapeAt): number {
  const cut = Math.max(start, nextAtThrough);
  if (cut >= next || isCleanCut(start, next, cut, shapeAt)) return cut;
  for (let i = cut - 1; i > start; i--) if (cleanTurn(start, next, i, shapeAt)) return i;
  return start;
}

/**
 * The cap of `maxMessages`: keeps at most `max`, starting at the first clean user turn from the
 * plain cut on; when there is none, at the first clean cut (a long tool loop with no user turn);
 * keeping nothing when no cut is clean. Reads only the messages from the plain cut on.
 */
export function capCut(start: number, next: number, max: number, shapeAt: ShapeAt): number | undefined {
  if (next - start <= max) return undefined;
  const plain = next - max;
  for (let i = plain; i < next; i++) if (cleanTurn(start, next, i, shapeAt)) return i;
  return firstCleanCut(plain, next, shapeAt);
}

/**
 * The first cut at or after `from` (> start) that orphans nothing in all of [cut, next), in one
 * pass: a cut must come after every result whose call is not in [from, result), must not fall
 * inside a call/result pair, nor right after a glued item.
 */
function firstCleanCut(from: number, next: number, shapeAt: ShapeAt): number {
  const openedAt = new Map<string, number>();
  let lower = from;
  const blocked = new Array<number>(next - from + 1).fill(0); // +1 / −1 marks of blocked (o, q] ranges
  for (let q = from; q < next; q++) {
    const s = shapeAt(q);
    for (const id of s.opens) openedAt.set(id, q);
    for (const id of s.closes) {
      const o = openedAt.get(id);
      if (o === undefined) lower = q + 1;
      else if (o < q) {
        (blocked[o + 1 - from] as number)++;
        (blocked[q + 1 - from] as number)--;
      }
    }
  }
  let depth = 0;
  for (let i = from; i < next; i++) {
    depth += blocked[i - from] as number;
    if (i >= lower && depth === 0 && !shapeAt(i - 1).glued) return i;
  }
  return next;
}

/**
 * Tool-call pairing check, for every message format (see message-shapes.ts): true when a result
 * in `messages` answers no call made earlier in the same list (what a model API rejects with
 * HTTP 400). Messages of unknown shape are ignored.
 */
export function hasOrphanToolResult(messages: readonly unknown[]): boolean {
  return orphanResults(messages).length > 0;
}
