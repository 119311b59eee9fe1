import { decodeEvent, parseMessage } from '../core/codec.js';
import type { LogEvent } from '../core/events.js';
import type { Message } from '../types.js';
import { cloneJson } from './chunk-cache.js';

/**
 * Decoded events kept for history reads: a read after an append folds the events since the
 * last checkpoint (up to `checkpointEvery` − 1 of them), and decoding them and parsing their
 * messages again on every read cost more than the rest of a 100-message read. An event at
 * [sid, version] never changes once written (GC and purges only remove events; sids are never
 * reused), so a cached one can never be stale, whichever process wrote it. The cached event
 * objects are shared and read-only; messages are parsed once per event and callers get copies.
 * LRU, bounded by the stored bytes of the events held.
 */
export class EventCache {
  private readonly entries = new Map<string, { bytes: number; event?: LogEvent; stored?: Uint8Array }>();
  private readonly parsed = new WeakMap<LogEvent, Message[]>();
  private size = 0;

  /** `capacity` in stored bytes of the events held; 0 keeps nothing. */
  constructor(private readonly capacity: number) {}

  lookup(sid: number, version: number): LogEvent | undefined {
    const key = `${sid}:${version}`;
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    // Map order is insertion order: re-inserting marks the entry most recently used.
    this.entries.delete(key);
    this.entries.set(key, hit);
    if (hit.event === undefined) {
      hit.event = decodeEvent(hit.stored as Uint8Array, () => `event ${version} of session #${sid}`);
      delete hit.stored;
    }
    return hit.event;
  }

  /**
   * An event this process just committed, as stored: decoded by the first read that needs it
   * (a writer that never reads its histories pays nothing), exactly as a read would decode it.
   */
  storeWritten(sid: number, version: number, stored: Uint8Array): void {
    this.put(`${sid}:${version}`, { bytes: stored.byteLength, stored });
  }

  store(sid: number, bytes: number, event: LogEvent): void {
    this.put(`${sid}:${event.version}`, { bytes, event });
  }

  private put(key: string, entry: { bytes: number; event?: LogEvent; stored?: Uint8Array }): void {
    if (entry.bytes > this.capacity) return;
    const old = this.entries.get(key);
    if (old !== undefined) this.size -= old.bytes;
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.size += entry.bytes;
    for (const [k, v] of this.entries) {
      if (this.size <= this.capacity) break;
      this.entries.delete(k);
      this.size -= v.bytes;
    }
  }

  /** A copy of the `index`-th message of `event` (an event this cache handed out, or any other). */
  message(event: LogEvent, messagesJson: readonly string[], index: number, what: () => string): Message {
    return cloneJson(this.messages(event, messagesJson, what)[index] as Message);
  }

  /** The messages `event` carries, parsed once per event and shared: read-only, callers copy them. */
  messages(event: LogEvent, messagesJson: readonly string[], what: () => string): readonly Message[] {
    let messages = this.parsed.get(event);
    if (messages === undefined) {
      messages = messagesJson.map((json) => parseMessage(json, what));
      this.parsed.set(event, messages);
    }
    return messages;
  }
}
