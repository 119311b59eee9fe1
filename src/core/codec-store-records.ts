import { pack, damaged, int, isInt, unpackAny, unpackMap } from './codec-fields.js';
import type { RecordName } from './codec-fields.js';

/**
 * Format of the whole store; a newer number on disk means a newer turnlog wrote it. Format 2
 * added compressed chunks and stub events (codec-json.ts, codec-events.ts); every format-1
 * record reads the same in it, so a format-1 store is upgraded by rewriting this record alone.
 */
export const STORE_FORMAT = 2;
export interface FormatRecord {
  format: number;
  createdAt: number;
}

/** Store-wide counters, in this order on disk. */
export const COUNTERS = ['sessions', 'events', 'logBytes', 'deadBytes'] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;
// ------------------------------------------------------------------ store-wide records

export function encodeFormat(f: FormatRecord): Uint8Array {
  return pack(f);
}

export function decodeFormat(bytes: Uint8Array, what: RecordName = 'format'): FormatRecord {
  const r = unpackMap(bytes, what);
  return { format: int(r, 'format', what), createdAt: typeof r['createdAt'] === 'number' ? r['createdAt'] : 0 };
}

/** Counters are a fixed array in COUNTERS order: an append rewrites this record, so it stays small. */
export function encodeCounters(c: Counts): Uint8Array {
  return pack(COUNTERS.map((name) => c[name]));
}

/** A shorter array (a store from before a counter existed) reads the missing ones as 0. */
export function decodeCounters(bytes: Uint8Array, what: RecordName = 'counters'): Counts {
  const v = unpackAny(bytes, what);
  if (!Array.isArray(v) || v.length > COUNTERS.length) damaged(what, 'not a list of counters');
  const out: Counts = { sessions: 0, events: 0, logBytes: 0, deadBytes: 0 };
  COUNTERS.forEach((name, i) => {
    const n: unknown = v[i];
    if (n === undefined) return;
    if (!isInt(n)) damaged(what, `${name} is not a non-negative integer`);
    out[name] = n;
  });
  return out;
}

/**
 * An eventIds entry: the version that applied the id and the fingerprint of the change it
 * described. On disk [version, fingerprint]; a bare version is an entry from before fingerprints
 * (read with no fingerprint: a retry of it is taken as the same change, as before).
 */
export interface EventIdEntry {
  version: number;
  fingerprint?: string;
}

export function encodeEventIdEntry(e: EventIdEntry): Uint8Array {
  return pack(e.fingerprint === undefined ? e.version : [e.version, e.fingerprint]);
}

export function decodeEventIdEntry(bytes: Uint8Array, what: RecordName = 'event id'): EventIdEntry {
  const v = unpackAny(bytes, what);
  if (isInt(v)) return { version: v };
  if (!Array.isArray(v) || v.length !== 2 || !isInt(v[0]) || typeof v[1] !== 'string') damaged(what, 'not a version and a fingerprint');
  return { version: v[0] as number, fingerprint: v[1] as string };
}

/** Single numbers: the next sid, a directory entry's sid. */
export function encodeNumber(n: number): Uint8Array {
  return pack(n);
}

export function decodeNumber(bytes: Uint8Array, what: RecordName): number {
  const v = unpackAny(bytes, what);
  if (!isInt(v)) damaged(what, 'not a non-negative integer');
  return v;
}

/**
 * A recency-index entry's value: the session's version as of that entry, so a listing can find
 * the session's state in a per-process cache without reading its head (see info-cache.ts). An
 * empty value is an entry written before the version was stored there: read the head instead.
 */
export function encodeRecentEntry(version: number): Uint8Array {
  return pack(version);
}

export function decodeRecentEntry(bytes: Uint8Array, what: RecordName = 'recency entry'): number | undefined {
  if (bytes.byteLength === 0) return undefined;
  // A listing decodes one per session: MessagePack's small unsigned integers are read here
  // directly (positive fixint, uint8/16/32); anything else goes through the full decoder.
  const b0 = bytes[0] as number;
  const n = bytes.byteLength;
  if (b0 < 0x80 && n === 1) return b0;
  if (b0 === 0xcc && n === 2) return bytes[1] as number;
  if (b0 === 0xcd && n === 3) return ((bytes[1] as number) << 8) | (bytes[2] as number);
  if (b0 === 0xce && n === 5) return (bytes[1] as number) * 0x1000000 + (((bytes[2] as number) << 16) | ((bytes[3] as number) << 8) | (bytes[4] as number));
  return decodeNumber(bytes, what);
}
