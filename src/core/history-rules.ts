import { orphanResults } from './message-shapes.js';
import type { MessageShape } from './message-shapes.js';

/**
 * History rules: where a cut lands. Pure functions over positions; `shapeAt` gives the shape (see
 * message-shapes.ts) of the message at an absolute position inside the visible range [start, next).
 * Only the messages a cut needs to look at are read: the turn it lands in.
 *
 * A cut at `c` keeps [c, next). It is **clean** when
 * - it separates no reasoning item from the item after it (the message at c − 1 is not glued),
 *   nor a result that names no call from the message before it (the message at c does not `follow`);
 * - every result in the turn it lands in (from c up to the next user turn) answers a call made at
 *   or after c;
 * - when no user turn follows the cut (the turn is still going on), no call before the cut in that
 *   turn is still waiting for its result: the result would come after the cut, orphaned. A call
 *   that is abandoned (see `abandonedBelow`) waits for nothing; calls that name no id wait while
 *   only their `follows` results come after them (see `unnamedWaiting`).
 * Results answer calls of their own turn (every model API requires a call's result before the next
 * user message), so a clean cut orphans nothing, now or when the pending results arrive.
 */
export type ShapeAt = (pos: number) => MessageShape;

/** `keepLast` as picoclaw does it: n ≤ 0 keeps none, n ≥ count keeps all. Returns the new start. */
export function plainCut(start: number, next: number, keepLast: number): number {
  const count = next - start;
  const keep = Math.max(0, Math.min(count, keepLast));
  return next - keep;
}

/** See the module comment. Cutting at `start` (keep all) is always clean. */
export function isCleanCut(start: number, next: number, cut: number, shapeAt: ShapeAt): boolean {
  if (cut <= start) return true;
  if (!splits(next, cut, shapeAt)) return false;
  const open = new Set<string>();
  let turnFollows = false;
  for (let i = cut; i < next; i++) {
    const s = shapeAt(i);
    if (s.userTurn) {
      turnFollows = true;
      if (i > cut) break;
    }
    for (const id of s.opens) open.add(id);
    for (const id of s.closes) if (!open.has(id)) return false;
  }
  if (turnFollows) return true;
  if (cut === next && unnamedWaiting(start, next, shapeAt)) return false;
  const live = abandonedBelow(start, next, shapeAt);
  const closed = new Set<string>();
  for (let i = cut - 1; i >= start; i--) {
    const s = shapeAt(i);
    for (const id of s.closes) closed.add(id);
    if (i >= live) for (const id of s.opens) if (!closed.has(id)) return false;
    if (s.userTurn) break;
  }
  return true;
}

/** A cut at `cut` keeps a reasoning item with the item after it, and a `follows` result with the message before it. */
const splits = (next: number, cut: number, shapeAt: ShapeAt): boolean => !shapeAt(cut - 1).glued && !(cut < next && shapeAt(cut).follows);

/**
 * Calls that name no id wait while only `follows` results come after them: true when the last
 * message in [start, next) that does not follow made such calls (everything may go only after
 * the message that answers them).
 */
function unnamedWaiting(start: number, next: number, shapeAt: ShapeAt): boolean {
  for (let i = next - 1; i >= start; i--) {
    const s = shapeAt(i);
    if (!s.follows) return s.unnamedCalls;
  }
  return false;
}

/**
 * Calls made before the returned position are **abandoned**: their result will never come, so
 * they block no cut. That is a call followed by a user turn, or by a result and then a new call
 * (the model was asked again, which every API refuses while a call of its round has no result): a
 * result popped with `removeLast`, or never sent. Reads back from `next` to the last user turn at
 * most; `start` when nothing is abandoned.
 */
function abandonedBelow(start: number, next: number, shapeAt: ShapeAt): number {
  let opener = false;
  for (let i = next - 1; i >= start; i--) {
    const s = shapeAt(i);
    if (s.userTurn || (opener && s.closes.length > 0)) return i;
    if (s.opens.length > 0) opener = true;
  }
  return start;
}

const cleanTurn = (start: number, next: number, i: number, shapeAt: ShapeAt): boolean => shapeAt(i).userTurn && isCleanCut(start, next, i, shapeAt);

/**
 * A cut that splits no turn: moved back to the nearest clean user turn at or before the plain
 * cut; when there is none, forward to the next one after it; when there is none after the cut
 * either, everything goes — or, when that is not clean either (a call still waiting for its
 * result), nothing. Keeping all (`start`) is always safe; keeping none only when clean.
 */
export function safeCut(start: number, next: number, keepLast: number, shapeAt: ShapeAt): number {
  const cut = plainCut(start, next, keepLast);
  if (cut === start) return cut;
  if (cut === next && isCleanCut(start, next, next, shapeAt)) return next;
  for (let i = Math.min(cut, next - 1); i >= start; i--) if (cleanTurn(start, next, i, shapeAt)) return i;
  for (let i = cut + 1; i < next; i++) if (cleanTurn(start, next, i, shapeAt)) return i;
  return isCleanCut(start, next, next, shapeAt) ? next : start;
}

/**
 * `setSummary(…, { through })`: every message added at or before `through` goes, never later
 * ones — unless that cut is not clean (a summariser that read the history between a tool call
 * and its result, or between a reasoning item and its call). Then the cut moves back to the user
 * turn that opened that turn (or keeps everything when there is none): a few summarised messages
 * stay visible, and no request is ever sent with an orphaned result.
 */
export function throughCut(start: number, next: number, nextAtThrough: number, shapeAt: ShapeAt): number {
  const cut = Math.min(next, Math.max(start, nextAtThrough));
  if (isCleanCut(start, next, cut, shapeAt)) return cut;
  for (let i = cut - 1; i > start; i--) if (cleanTurn(start, next, i, shapeAt)) return i;
  return start;
}

/**
 * The cap of `maxMessages`: keeps at most `max`, starting at the first clean user turn from the
 * plain cut on; when there is none, at the first cut from there that orphans nothing in all that
 * is kept (a long tool loop with no user turn). When every such cut would separate a call from
 * its result (still to come) or a reasoning item from its call, nothing is cut this time: the
 * cap applies again on the next append. A call whose result never came (abandoned: a new call
 * came after a later result, or a user turn) blocks nothing, so the cap keeps bounding the
 * history. Reads only the messages from the plain cut on, and the turn before it when no user
 * turn follows.
 */
export function capCut(start: number, next: number, max: number, shapeAt: ShapeAt): number | undefined {
  if (next - start <= max) return undefined;
  const plain = next - max;
  for (let i = plain; i < next; i++) if (cleanTurn(start, next, i, shapeAt)) return i;
  return firstWholeCleanCut(start, plain, next, shapeAt);
}

/**
 * The first cut in [from, next] (from > start) that orphans nothing in all of [cut, next), in one
 * pass: it comes after every result whose call is not in [from, result), not inside a call/result
 * pair, not after a call still waiting for its result (not abandoned), nor right after a glued
 * item or before a `follows` one. Undefined when a call in the turn before `from` is still
 * waiting, or when no cut fits.
 */
function firstWholeCleanCut(start: number, from: number, next: number, shapeAt: ShapeAt): number | undefined {
  const openedAt = new Map<string, number>();
  const waiting = new Map<string, number>();
  const closedAfter = new Set<string>();
  let lower = from;
  const marks = new Array<number>(next - from + 1).fill(0); // +1 / −1 marks of blocked (o, q] ranges
  for (let q = from; q < next; q++) {
    const s = shapeAt(q);
    for (const id of s.opens) {
      openedAt.set(id, q);
      waiting.set(id, q);
    }
    for (const id of s.closes) {
      closedAfter.add(id);
      waiting.delete(id);
      const o = openedAt.get(id);
      if (o === undefined) lower = q + 1;
      else if (o < q) {
        (marks[o + 1 - from] as number)++;
        (marks[q + 1 - from] as number)--;
      }
    }
  }
  const live = abandonedBelow(start, next, shapeAt);
  const closedBefore = new Set<string>();
  for (let i = from - 1; i >= start; i--) {
    const s = shapeAt(i);
    for (const id of s.closes) closedBefore.add(id);
    if (i >= live) for (const id of s.opens) if (!closedBefore.has(id) && !closedAfter.has(id)) return undefined;
    if (s.userTurn) break;
  }
  let upper = next;
  for (const o of waiting.values()) if (o >= live) upper = Math.min(upper, o);
  let depth = 0;
  for (let i = from; i <= upper; i++) {
    depth += marks[i - from] as number;
    if (i >= lower && depth === 0 && splits(next, i, shapeAt) && !(i === next && unnamedWaiting(start, next, shapeAt))) return i;
  }
  return undefined;
}

/**
 * Tool-call pairing check, for every message format (see message-shapes.ts): true when a result
 * in `messages` answers no call made earlier in the same list (what a model API rejects with
 * HTTP 400). Messages of unknown shape are ignored.
 */
export function hasOrphanToolResult(messages: readonly unknown[]): boolean {
  return orphanResults(messages).length > 0;
}
