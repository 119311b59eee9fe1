import type { Message } from '../types.js';

/**
 * Decoded sealed chunks, kept for reads. A chunk is immutable once written and its key
 * ([sid, first position]) is never reused — sids are never reused and positions only grow — so
 * a cached chunk can never be stale; GC'd chunks simply stop being asked for and age out.
 * Callers get deep copies: cloning parsed messages shares their strings and costs a fraction of
 * parsing the JSON again.
 */
export class ChunkCache {
  private readonly entries = new Map<string, { bytes: number; messages: Message[] }>();
  private size = 0;

  /** `capacity` in stored bytes of the chunks held; 0 disables the cache. */
  constructor(private readonly capacity: number) {}

  /** The chunk's messages (shared: read-only), decoding and caching them on a miss. */
  get(sid: number, from: number, stored: Uint8Array, decode: (bytes: Uint8Array) => Message[]): Message[] {
    if (this.capacity === 0) return decode(stored);
    const key = `${sid}:${from}`;
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.bytes === stored.byteLength) {
      // Map order is insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.messages;
    }
    const messages = decode(stored);
    if (stored.byteLength <= this.capacity) {
      if (hit !== undefined) this.forget(key, hit.bytes);
      this.entries.set(key, { bytes: stored.byteLength, messages });
      this.size += stored.byteLength;
      for (const [k, v] of this.entries) {
        if (this.size <= this.capacity) break;
        this.forget(k, v.bytes);
      }
    }
    return messages;
  }

  private forget(key: string, bytes: number): void {
    this.entries.delete(key);
    this.size -= bytes;
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
  for (const k of Object.keys(value)) {
    const v = cloneJson((value as Record<string, unknown>)[k]);
    // JSON.parse makes "__proto__" an own property; assignment would set the prototype instead.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out as T;
}
