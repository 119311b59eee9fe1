import { classifyMessage } from '../../src/core/message-shapes.js';
import type { MessageShape } from '../../src/core/message-shapes.js';
import type { Message } from '../../src/types.js';

/**
 * The reference model: a plain array per session, written independently of the engine (no
 * positions, no checkpoints). Each message remembers the version that added it, which is all
 * `setSummary … through` needs.
 */
export interface ModelMessage {
  message: Message;
  addedAt: number;
}

export interface ModelState {
  history: ModelMessage[];
  summary: string;
  metadata: Record<string, unknown>;
}

export interface ModelSession {
  versions: ModelState[]; // versions[v] = state right after event v; versions[0] = empty
  eventIds: Map<string, number>;
  /** The change each eventId of `changeIds` was first used for (fingerprinted ids). */
  changes?: Map<string, { version: number; change: string }>;
}

export class Model {
  sessions = new Map<string, ModelSession>();

  session(key: string): ModelSession {
    let s = this.sessions.get(key);
    if (s === undefined) {
      s = { versions: [{ history: [], summary: '', metadata: {} }], eventIds: new Map() };
      this.sessions.set(key, s);
    }
    return s;
  }

  version(key: string): number {
    return (this.sessions.get(key)?.versions.length ?? 1) - 1;
  }

  current(key: string): ModelState {
    const s = this.sessions.get(key);
    return s === undefined ? { history: [], summary: '', metadata: {} } : (s.versions[s.versions.length - 1] as ModelState);
  }

  /** Applies one event; returns its version. */
  apply(key: string, change: (state: ModelState, version: number) => ModelState, eventId?: string): number {
    const s = this.session(key);
    const version = s.versions.length;
    const prev = s.versions[version - 1] as ModelState;
    s.versions.push(change({ history: [...prev.history], summary: prev.summary, metadata: { ...prev.metadata } }, version));
    if (eventId !== undefined) s.eventIds.set(eventId, version);
    return version;
  }

  delete(key: string): boolean {
    return this.sessions.delete(key);
  }
}

export const plain = (h: ModelMessage[]): Message[] => h.map((m) => m.message);

/**
 * The history rules, written again over a plain array and by brute force (no positions, no
 * one-pass tricks), from the rule text in src/core/history-rules.ts. `shape` says what a message
 * is: the library's classifier by default, or the labels a test generator put on its messages.
 */
export type ShapeOf = (m: Message) => MessageShape;

function ruleSet(history: ModelMessage[], shape: ShapeOf) {
  const n = history.length;
  const sh = (i: number): MessageShape => shape((history[i] as ModelMessage).message);
  const user = (i: number): boolean => sh(i).userTurn;
  /**
   * The call at `o` is abandoned: a user turn comes after it, or a result and then a new call
   * (the model was asked again without its result).
   */
  const abandoned = (o: number): boolean =>
    range(o + 1, n).some((q) => user(q) || (sh(q).closes.length > 0 && range(q + 1, n).some((p) => sh(p).opens.length > 0)));
  /** Every call made at `o` has a result at or after it (or waits for none). */
  const answered = (o: number): boolean => abandoned(o) || sh(o).opens.every((id) => range(o, n).some((q) => sh(q).closes.includes(id)));
  /** A cut at `c` keeps a reasoning item with what follows it, and a `follows` result with what precedes it. */
  const splits = (c: number): boolean => !sh(c - 1).glued && !(c < n && sh(c).follows) && !(c === n && unnamedWaiting());
  /** The last message that is not a `follows` result made calls without ids: they may still wait. */
  const unnamedWaiting = (): boolean => {
    const last = range(0, n).filter((i) => !sh(i).follows).pop();
    return last !== undefined && sh(last).unnamedCalls;
  };
  /** The turn that holds position i − 1: from its user turn (or 0) to i. */
  const turnBefore = (i: number): number[] => {
    const out: number[] = [];
    for (let j = i - 1; j >= 0; j--) {
      out.push(j);
      if (user(j)) break;
    }
    return out;
  };
  /** A call in the turn before `i` that has no result before `i`. */
  const waitingBefore = (i: number): boolean => turnBefore(i).some((o) => !abandoned(o) && sh(o).opens.some((id) => !range(o, i).some((q) => sh(q).closes.includes(id))));
  const clean = (c: number): boolean => {
    if (c <= 0) return true;
    if (!splits(c)) return false;
    let end = c;
    while (end < n && !(end > c && user(end))) end++;
    for (let q = c; q < end; q++) for (const id of sh(q).closes) if (!range(c, q + 1).some((o) => sh(o).opens.includes(id))) return false;
    const turnFollows = range(c, n).some(user);
    return turnFollows || !waitingBefore(c);
  };
  /** The fallback of the cap: nothing in all of [c, n) is orphaned, no call in [from, c) waits. */
  const wholeClean = (from: number, c: number): boolean => {
    if (!splits(c)) return false;
    for (let q = c; q < n; q++) for (const id of sh(q).closes) if (!range(c, q + 1).some((o) => sh(o).opens.includes(id))) return false;
    return range(from, c).every(answered);
  };
  return { n, user, clean, wholeClean, waitingBeforeAll: (from: number) => turnBefore(from).some((o) => !answered(o)) };
}

const range = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

/** The model's own reading of "keep the last n, then back to a clean user turn". */
export function modelSafeKeep(history: ModelMessage[], keepLast: number, shape: ShapeOf = classifyMessage): ModelMessage[] {
  const r = ruleSet(history, shape);
  const n = r.n;
  const cut = n - Math.max(0, Math.min(n, keepLast));
  if (cut === 0) return history;
  if (cut === n && r.clean(n)) return [];
  for (let i = Math.min(cut, n - 1); i >= 0; i--) if (r.user(i) && r.clean(i)) return history.slice(i);
  for (let i = cut + 1; i < n; i++) if (r.user(i) && r.clean(i)) return history.slice(i);
  return r.clean(n) ? [] : history;
}

/**
 * `setSummary … through`: drops what was added at or before `through`; when that cut is not
 * clean, keeps from the clean user turn before it instead (or everything).
 */
export function modelThroughKeep(history: ModelMessage[], through: number, shape: ShapeOf = classifyMessage): ModelMessage[] {
  const r = ruleSet(history, shape);
  let cut = history.findIndex((x) => x.addedAt > through);
  if (cut === -1) cut = history.length;
  if (r.clean(cut)) return history.slice(cut);
  for (let i = cut - 1; i > 0; i--) if (r.user(i) && r.clean(i)) return history.slice(i);
  return history;
}

/** `maxMessages`: undefined when nothing is cut. */
export function modelCapKeep(history: ModelMessage[], max: number, shape: ShapeOf = classifyMessage): ModelMessage[] | undefined {
  const r = ruleSet(history, shape);
  const n = r.n;
  if (n <= max) return undefined;
  const plain = n - max;
  for (let i = plain; i < n; i++) if (r.user(i) && r.clean(i)) return history.slice(i);
  if (r.waitingBeforeAll(plain)) return undefined;
  for (let i = plain; i <= n; i++) if (r.wholeClean(plain, i)) return history.slice(i);
  return undefined;
}

/** `removeLast` / `replaceLast`: the newest `n` (at most all) go; returns what stays and what went. */
export function modelRemoveLast(history: ModelMessage[], n: number): { kept: ModelMessage[]; removed: ModelMessage[] } {
  const cut = history.length - Math.min(n, history.length);
  return { kept: history.slice(0, cut), removed: history.slice(cut) };
}

/**
 * A write with a fingerprinted eventId: `change` describes the change as the caller gave it.
 * 'new' when the id is unused; the original version when it was used for the same change;
 * 'conflict' when it was used for another one.
 */
export function modelIdUse(model: Model, key: string, id: string, change: string): 'new' | 'conflict' | number {
  const seen = model.sessions.get(key)?.changes?.get(id);
  if (seen === undefined) return 'new';
  return seen.change === change ? seen.version : 'conflict';
}

export function modelRecordId(model: Model, key: string, id: string, change: string, version: number): void {
  const s = model.session(key);
  s.changes ??= new Map();
  s.changes.set(id, { version, change });
}
