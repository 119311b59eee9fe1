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

/** The model's own reading of "keep the last n, then back to a user message". */
export function modelSafeKeep(history: ModelMessage[], keepLast: number): ModelMessage[] {
  const n = history.length;
  let cut = n - Math.max(0, Math.min(n, keepLast));
  if (cut === 0 || cut === n) return history.slice(cut);
  let i = cut;
  while (i >= 0 && history[i]?.message.role !== 'user') i--;
  if (i < 0) {
    i = cut + 1;
    while (i < n && history[i]?.message.role !== 'user') i++;
  }
  cut = i;
  return history.slice(cut);
}

/**
 * `setSummary … through`: drops what was added at or before `through`; when the first message
 * left would be a tool result, keeps from the user message before it instead (or everything).
 */
export function modelThroughKeep(history: ModelMessage[], through: number): ModelMessage[] {
  let cut = history.findIndex((x) => x.addedAt > through);
  if (cut === -1) cut = history.length;
  if (cut < history.length && history[cut]?.message.role === 'tool') {
    let i = cut - 1;
    while (i >= 0 && history[i]?.message.role !== 'user') i--;
    cut = Math.max(i, 0);
  }
  return history.slice(cut);
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
