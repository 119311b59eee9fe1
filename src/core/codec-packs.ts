import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { damaged, pack, unpackAny } from './codec-fields.js';
import type { RecordName } from './codec-fields.js';

// ------------------------------------------------------------------ event packs

/**
 * A pack (store format 2) is one events row standing for every event a checkpoint closed: the
 * versions after the previous checkpoint up to its own, keyed [sid, last version]. Its events
 * are stored as one event row each would be (a stub where the checkpoint sealed all of the
 * event's messages, else whole), so they decode exactly as they did. One row per checkpoint,
 * not one per event: small rows put among other sessions' rows leave LMDB pages mostly empty.
 *
 * On disk: a marker byte, the first version (unsigned LEB128, so that GC, purges and sizes count
 * a pack's events without opening it), then the MessagePack list of the events' bytes, raw
 * deflated after PACK_DEFLATED (the stubs repeat their field names and types) or as it is after
 * PACK_PLAIN when deflating does not make it smaller. An event row is a MessagePack map, whose
 * first byte is never one of these markers.
 */
const PACK_DEFLATED = 0x02;
const PACK_PLAIN = 0x03;
/**
 * A pack is small (~1.5 KB for 32 stubs) and mostly repeats: the fastest level and a 2 KB window
 * deflate it as small as the defaults do (measured: 289 bytes either way), in ~18 µs instead of
 * ~30 (most of it setting up the deflate state). Inflating needs no options: its default window
 * is larger.
 */
const DEFLATE = { level: 1, windowBits: 11, memLevel: 4 };

export function encodePack(first: number, events: readonly Uint8Array[]): Uint8Array {
  const body = Buffer.from(pack(events));
  const packed = deflateRawSync(body, DEFLATE);
  const deflated = packed.byteLength < body.byteLength;
  const inner = deflated ? packed : body;
  const head: number[] = [deflated ? PACK_DEFLATED : PACK_PLAIN];
  for (let v = first; ; v = Math.floor(v / 128)) {
    if (v < 128) {
      head.push(v);
      break;
    }
    head.push(0x80 | v % 128);
  }
  const out = Buffer.allocUnsafe(head.length + inner.byteLength);
  out.set(head, 0);
  inner.copy(out, head.length);
  return out;
}

/** True when an events row is a pack rather than one event. */
export function isPack(bytes: Uint8Array): boolean {
  return bytes.byteLength > 0 && (bytes[0] === PACK_DEFLATED || bytes[0] === PACK_PLAIN);
}

/** A pack's first version and where its list starts, or undefined when the header is damaged. */
function header(bytes: Uint8Array): { first: number; at: number } | undefined {
  let first = 0;
  for (let i = 1, scale = 1; i < bytes.byteLength && i <= 8; i++, scale *= 128) {
    const b = bytes[i] as number;
    first += (b & 0x7f) * scale;
    if (b < 0x80) return Number.isSafeInteger(first) && first >= 1 ? { first, at: i + 1 } : undefined;
  }
  return undefined;
}

/** A pack's first version and its events' bytes (each decoded as an event row is). */
export function decodePack(bytes: Uint8Array, what: RecordName = 'event pack'): { first: number; events: Uint8Array[] } {
  const h = header(bytes);
  if (h === undefined) return damaged(what, 'no first version');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).subarray(h.at);
  let body: Uint8Array = buf;
  if (bytes[0] === PACK_DEFLATED) {
    try {
      body = inflateRawSync(buf);
    } catch (error) {
      return damaged(what, 'not deflate data', error);
    }
  }
  const events = unpackAny(body, what);
  if (!Array.isArray(events) || events.length === 0) return damaged(what, 'not a list of events');
  for (const e of events) if (!(e instanceof Uint8Array)) damaged(what, 'an event is not bytes');
  return { first: h.first, events: events as Uint8Array[] };
}

/**
 * How many events an events row stands for: a pack's, from its header and key alone (nothing is
 * inflated), else one. A damaged pack counts as one, like any damaged row (its readers are CORRUPT):
 * GC, purges and sizes never fail on it.
 */
export function eventsInRow(last: number, bytes: Uint8Array): number {
  const h = isPack(bytes) ? header(bytes) : undefined;
  return h === undefined || h.first > last ? 1 : last - h.first + 1;
}
