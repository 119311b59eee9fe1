import type { Message } from '../types.js';

/** A decoded chunk: its messages (shared, read-only), its JSON text's length and each message's. */
export interface CachedChunk {
  bytes: number;
  messages: Message[];
  sizes: readonly number[];
}

/**
 * Decoded sealed chunks, kept for reads. A chunk is immutable once written and its key
 * ([sid, first position]) is never reused — sids are never reused and positions only grow — so
 * a cached chunk can never be stale; GC'd chunks simply stop being asked for and age out.
 * Callers get deep copies: cloning parsed messages shares their strings and costs a fraction of
 * parsing the JSON again.
 */
export class ChunkCache {
  private readonly entries = new Map<string, CachedChunk>();
  /** Per session, the first positions of its cached chunks, ascending: finds the one holding a position. */
  private readonly starts = new Map<number, number[]>();
  private size = 0;

  /** `capacity` in stored bytes of the chunks held; 0 keeps nothing. */
  constructor(private readonly capacity: number) {}

  /** The cached chunk with its stored bytes; marks it most recently used. */
  entry(sid: number, from: number): CachedChunk | undefined {
    const key = `${sid}:${from}`;
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    // Map order is insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  /**
   * The cached chunks holding key positions [start, end) of one region, in order, or undefined
   * unless all of them are cached. Chunks of a region never overlap (each checkpoint seals from
   * where the previous one stopped) and are never rewritten, so the cached chunk holding a
   * position is the one a range read would find: a read then needs no range read of the table.
   */
  covering(sid: number, start: number, end: number): Array<CachedChunk & { from: number }> | undefined {
    const starts = this.starts.get(sid);
    if (starts === undefined || start >= end) return undefined;
    // The greatest cached first position at or below `start`.
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((starts[mid] as number) <= start) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return undefined;
    let from = starts[lo - 1] as number;
    const out: Array<CachedChunk & { from: number }> = [];
    for (;;) {
      const hit = this.entry(sid, from);
      if (hit === undefined || from + hit.messages.length <= start) return undefined;
      out.push({ from, ...hit });
      from += hit.messages.length;
      if (from >= end) return out;
    }
  }

  /** Keeps a decoded chunk (held by its text's length), evicting the least recently used beyond capacity. */
  store(sid: number, from: number, chunk: CachedChunk): void {
    const { bytes } = chunk;
    if (bytes > this.capacity) return;
    const key = `${sid}:${from}`;
    const old = this.entries.get(key);
    if (old !== undefined) this.forget(key, old.bytes);
    this.entries.set(key, chunk);
    this.size += bytes;
    const starts = this.starts.get(sid) ?? [];
    let i = starts.length;
    while (i > 0 && (starts[i - 1] as number) > from) i--;
    starts.splice(i, 0, from);
    this.starts.set(sid, starts);
    for (const [k, v] of this.entries) {
      if (this.size <= this.capacity) break;
      this.forget(k, v.bytes);
    }
  }

  private forget(key: string, bytes: number): void {
    this.entries.delete(key);
    this.size -= bytes;
    const colon = key.indexOf(':');
    const sid = Number(key.slice(0, colon));
    const from = Number(key.slice(colon + 1));
    const starts = this.starts.get(sid);
    const i = starts?.indexOf(from) ?? -1;
    if (starts !== undefined && i >= 0) starts.splice(i, 1);
    if (starts !== undefined && starts.length === 0) this.starts.delete(sid);
  }
}

/** A deep copy of parsed JSON: new objects and arrays, shared (immutable) strings. */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i] as unknown);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  // for…in without Object.keys' array: parsed JSON objects have no enumerable inherited keys.
  for (const k in value) {
    const x = (value as Record<string, unknown>)[k];
    const v = typeof x === 'object' && x !== null ? cloneJson(x) : x;
    // JSON.parse makes "__proto__" an own property; assignment would set the prototype instead.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out as T;
}
