import { Packr } from 'msgpackr';
import { TurnlogError } from '../errors.js';
import { EVENT_TYPES } from '../types.js';
import type { Message } from '../types.js';
import type { StoredEvent } from './events.js';
import type { Projection } from './projection.js';

/**
 * Record encodings. Envelopes are MessagePack (compact, fast); user data inside them is JSON text
 * (see validate.ts). Decoding checks shapes: a damaged record is CORRUPT, never a wrong answer.
 */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/** Format of the whole store; a newer number on disk means a newer turnlog wrote it. */
export const STORE_FORMAT = 1;

export interface HeadRecord {
  key: string;
  sid: number;
  version: number;
  start: number;
  next: number;
  createdAt: number;
  updatedAt: number;
  /** Version of the newest checkpoint (0: none yet). */
  cp: number;
  /** Oldest readable version: GC collected everything before it (0: nothing collected). */
  base: number;
  /** Key time of this session's entry in the GC review queue (0: none queued). */
  gcAt: number;
  /** Bytes of this session's events, checkpoints and chunks (keys and values). */
  logBytes: number;
  /** Of those, bytes that no current state needs: events and checkpoints behind the newest checkpoint. */
  deadBytes: number;
}

export interface StateRecord {
  summary: string;
  /** JSON text of the metadata object. */
  metadata: string;
}

export interface CheckpointRecord {
  /** PROJECTION_FORMAT of the fold that wrote it. */
  pf: number;
  /** The projection at the checkpoint's version. Every position in [start, next) is in a chunk. */
  projection: Projection;
}

export interface FormatRecord {
  format: number;
  createdAt: number;
}

function corrupt(what: string, cause?: unknown): never {
  throw new TurnlogError('CORRUPT', `damaged ${what} record`, { cause });
}

/** A MessagePack array record; anything else is CORRUPT. */
export function unpackArray(bytes: Uint8Array, what: string): unknown[] {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (error) {
    corrupt(what, error);
  }
  if (!Array.isArray(value)) corrupt(what);
  return value;
}

function unpack(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (error) {
    corrupt(what, error);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) corrupt(what);
  return value as Record<string, unknown>;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export const pack = (value: unknown): Uint8Array => packr.pack(value);

export function encodeEvent(e: StoredEvent): Uint8Array {
  return packr.pack(e);
}

export function decodeEvent(bytes: Uint8Array): StoredEvent {
  const r = unpack(bytes, 'event');
  if (!isInt(r['v']) || !isNum(r['at']) || !(EVENT_TYPES as readonly unknown[]).includes(r['t'])) corrupt('event');
  if (r['m'] !== undefined && !(Array.isArray(r['m']) && r['m'].every((x) => typeof x === 'string'))) corrupt('event');
  return r as unknown as StoredEvent;
}

export function encodeHead(h: HeadRecord): Uint8Array {
  return packr.pack(h);
}

export function decodeHead(bytes: Uint8Array): HeadRecord {
  const r = unpack(bytes, 'session head');
  for (const f of ['sid', 'version', 'start', 'next', 'cp', 'base', 'logBytes', 'deadBytes'] as const) if (!isInt(r[f])) corrupt('session head');
  if (!isNum(r['gcAt'])) corrupt('session head');
  if (typeof r['key'] !== 'string' || !isNum(r['createdAt']) || !isNum(r['updatedAt'])) corrupt('session head');
  return r as unknown as HeadRecord;
}

export function encodeState(s: StateRecord): Uint8Array {
  return packr.pack(s);
}

export function decodeState(bytes: Uint8Array): StateRecord {
  const r = unpack(bytes, 'session state');
  if (typeof r['summary'] !== 'string' || typeof r['metadata'] !== 'string') corrupt('session state');
  return r as unknown as StateRecord;
}

export function encodeCheckpoint(c: CheckpointRecord): Uint8Array {
  return packr.pack({ pf: c.pf, p: { ...c.projection, metadata: JSON.stringify(c.projection.metadata) } });
}

export function decodeCheckpoint(bytes: Uint8Array): CheckpointRecord {
  const r = unpack(bytes, 'checkpoint');
  const p = r['p'] as Record<string, unknown> | undefined;
  if (!isInt(r['pf']) || typeof p !== 'object' || p === null) corrupt('checkpoint');
  if (typeof p['metadata'] !== 'string' || typeof p['summary'] !== 'string') corrupt('checkpoint');
  for (const f of ['version', 'start', 'next'] as const) if (!isInt(p[f])) corrupt('checkpoint');
  return { pf: r['pf'], projection: { ...(p as unknown as Projection), metadata: parseJson(p['metadata'], 'checkpoint') as Record<string, unknown> } };
}

export function encodeFormat(f: FormatRecord): Uint8Array {
  return packr.pack(f);
}

export function decodeFormat(bytes: Uint8Array): FormatRecord {
  const r = unpack(bytes, 'format');
  if (!isInt(r['format'])) corrupt('format');
  return r as unknown as FormatRecord;
}

export function encodeNumber(n: number): Uint8Array {
  return packr.pack(n);
}

export function decodeNumber(bytes: Uint8Array, what: string): number {
  let v: unknown;
  try {
    v = packr.unpack(bytes);
  } catch (error) {
    corrupt(what, error);
  }
  if (!isInt(v)) corrupt(what);
  return v;
}

/**
 * A chunk is a run of consecutive messages, stored as one JSON array text: sealing copies the
 * messages' JSON from their events byte for byte, and reading parses the whole run in one call.
 */
export function encodeChunk(messagesJson: readonly string[]): Uint8Array {
  return Buffer.from(`[${messagesJson.join(',')}]`, 'utf8');
}

export function decodeChunk(bytes: Uint8Array): Message[] {
  const v = parseJson(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), 'chunk');
  if (!Array.isArray(v)) corrupt('chunk');
  return v as Message[];
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return corrupt(what, error);
  }
}

export function decodeMessage(json: string): Message {
  return parseJson(json, 'message') as Message;
}
