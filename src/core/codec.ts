import { Packr } from 'msgpackr';
import { corrupt } from '../errors.js';
import type { Message } from '../types.js';
import type { LogEvent } from './events.js';
import type { Projection } from './projection.js';
import type { Regions } from './layout.js';

/**
 * The one place where stored bytes become values, and values become stored bytes. Envelopes are
 * MessagePack (compact, fast); user data inside them is JSON text (see validate.ts). Every
 * decoder checks the whole shape and returns a readable, typed value, or throws CORRUPT naming
 * the record: a damaged record is never a wrong answer, a raw SyntaxError or a crash. The short
 * field names of the on-disk layout (format 1) appear in this file only.
 */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/** Format of the whole store; a newer number on disk means a newer turnlog wrote it. */
export const STORE_FORMAT = 1;

/**
 * Which record a decoder read, for the CORRUPT message: e.g. "event 9 of session #4". A function
 * when building the name costs something on a hot path: it is only called on damage.
 */
export type RecordName = string | (() => string);

export interface HeadRecord {
  key: string;
  /** The session's internal number (never reused). */
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
  /** Chunk regions of the current version (layout.ts); on disk only when not empty. */
  regions?: Regions;
  /** Version of the newest removal of the newest messages (absent: none), for `through` cuts. */
  lastRemoval?: number;
}

export interface StateRecord {
  summary: string;
  metadata: Record<string, unknown>;
}

export interface CheckpointRecord {
  /** PROJECTION_FORMAT of the fold that wrote it. */
  projectionFormat: number;
  /** The projection at the checkpoint's version. Every position in [start, next) is in a chunk. */
  projection: Projection;
}

export interface FormatRecord {
  format: number;
  createdAt: number;
}

/** Store-wide counters, in this order on disk. */
export const COUNTERS = ['sessions', 'events', 'logBytes', 'deadBytes'] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;

// ------------------------------------------------------------------ checks

type Fields = Record<string, unknown>;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isSignedInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPlainObject = (v: unknown): v is Fields => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

function damaged(what: RecordName, why?: string, cause?: unknown): never {
  const name = typeof what === 'function' ? what() : what;
  return corrupt(`${name}: damaged record${why === undefined ? '' : ` (${why})`}`, cause);
}

function unpackAny(bytes: Uint8Array, what: RecordName): unknown {
  try {
    return packr.unpack(bytes) as unknown;
  } catch (error) {
    return damaged(what, 'not MessagePack', error);
  }
}

function unpackMap(bytes: Uint8Array, what: RecordName): Fields {
  const value = unpackAny(bytes, what);
  if (!isPlainObject(value)) damaged(what, 'not a map');
  return value;
}

function int(r: Fields, field: string, what: RecordName): number {
  const v = r[field];
  if (!isInt(v)) damaged(what, `${field} is not a non-negative integer`);
  return v;
}

function num(r: Fields, field: string, what: RecordName): number {
  const v = r[field];
  if (!isNum(v)) damaged(what, `${field} is not a finite number`);
  return v;
}

function str(r: Fields, field: string, what: RecordName): string {
  const v = r[field];
  if (typeof v !== 'string') damaged(what, `${field} is not a string`);
  return v;
}

function optional<T>(r: Fields, field: string, what: RecordName, read: (r: Fields, f: string, w: RecordName) => T): T | undefined {
  return r[field] === undefined ? undefined : read(r, field, what);
}

function parseJsonText(text: string, what: RecordName): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return damaged(what, 'not JSON', error);
  }
}

// ------------------------------------------------------------------ events

/**
 * On disk: { t, m?, s?, th?, st?, k?, sf?, p?, n?, rg?, v, at, id?, f? }, in this order. `n` is
 * the count a removal removes, `rg` the chunk region it starts. A turnlog from before removals
 * existed reads their types as an unknown event type: CORRUPT, never a misread history.
 */
export function encodeEvent(e: LogEvent): Uint8Array {
  const r: Fields = { t: e.type };
  switch (e.type) {
    case 'messages.added':
    case 'history.replaced':
      r['m'] = e.messagesJson;
      break;
    case 'summary.set':
      r['s'] = e.summary;
      if (e.through !== undefined) r['th'] = e.through;
      if (e.start !== undefined) r['st'] = e.start;
      break;
    case 'history.truncated':
      r['k'] = e.keepLast;
      r['sf'] = e.safe;
      r['st'] = e.start;
      break;
    case 'metadata.updated':
      r['p'] = e.patchJson;
      break;
    case 'messages.removed':
      r['n'] = e.count;
      if (e.region !== undefined) r['rg'] = e.region;
      break;
    case 'messages.replaced':
      r['m'] = e.messagesJson;
      r['n'] = e.removed;
      if (e.region !== undefined) r['rg'] = e.region;
      break;
  }
  r['v'] = e.version;
  r['at'] = e.at;
  if (e.eventId !== undefined) r['id'] = e.eventId;
  if (e.type !== 'summary.set' && e.type !== 'history.truncated' && e.type !== 'metadata.updated') r['f'] = e.from;
  return packr.pack(r);
}

export function decodeEvent(bytes: Uint8Array, what: RecordName = 'event'): LogEvent {
  const r = unpackMap(bytes, what);
  const version = int(r, 'v', what);
  if (version < 1) damaged(what, 'version below 1');
  const at = num(r, 'at', what);
  const eventId = r['id'];
  if (eventId !== undefined && typeof eventId !== 'string') damaged(what, 'id is not a string');
  const e = decodeEventBody(r, version, at, what);
  if (eventId !== undefined) e.eventId = eventId;
  return e;
}

function decodeEventBody(r: Fields, version: number, at: number, what: RecordName): LogEvent {
  const type = r['t'];
  switch (type) {
    case 'messages.added':
    case 'history.replaced':
      return { version, at, type, from: int(r, 'f', what), messagesJson: jsonTexts(r, what) };
    case 'messages.removed': {
      const e: LogEvent = { version, at, type, from: int(r, 'f', what), count: int(r, 'n', what) };
      if (r['rg'] !== undefined) e.region = int(r, 'rg', what);
      return e;
    }
    case 'messages.replaced': {
      const e: LogEvent = { version, at, type, from: int(r, 'f', what), removed: int(r, 'n', what), messagesJson: jsonTexts(r, what) };
      if (r['rg'] !== undefined) e.region = int(r, 'rg', what);
      return e;
    }
    case 'summary.set': {
      const e: LogEvent = { version, at, type, summary: str(r, 's', what) };
      if (r['th'] !== undefined) e.through = int(r, 'th', what);
      if (r['st'] !== undefined) e.start = int(r, 'st', what);
      return e;
    }
    case 'history.truncated': {
      const keepLast = r['k'];
      if (!isSignedInt(keepLast)) damaged(what, 'k is not an integer');
      const safe = r['sf'] ?? false;
      if (typeof safe !== 'boolean') damaged(what, 'sf is not a boolean');
      return { version, at, type, keepLast, safe, start: int(r, 'st', what) };
    }
    case 'metadata.updated':
      return { version, at, type, patchJson: str(r, 'p', what) };
    default:
      return damaged(what, 'unknown event type');
  }
}

function jsonTexts(r: Fields, what: RecordName): string[] {
  const m = r['m'];
  if (!Array.isArray(m)) damaged(what, 'm is not a list of JSON texts');
  for (const x of m) if (typeof x !== 'string') damaged(what, 'm is not a list of JSON texts');
  return m as string[];
}

// ------------------------------------------------------------------ user data inside records

/** A message stored as JSON text (in an event): a plain object; its role, when present, a string. */
export function parseMessage(json: string, what: RecordName = 'message'): Message {
  const v = parseJsonText(json, what);
  if (!isMessage(v)) damaged(what, 'not a message');
  return v;
}

/** A metadata patch stored as JSON text: a plain object. */
export function parsePatch(json: string, what: RecordName = 'metadata patch'): Record<string, unknown> {
  const v = parseJsonText(json, what);
  if (!isPlainObject(v)) damaged(what, 'not a JSON object');
  return v;
}

function isMessage(v: unknown): v is Message {
  return isPlainObject(v) && (v['role'] === undefined || typeof v['role'] === 'string');
}

// ------------------------------------------------------------------ heads, state, checkpoints

export function encodeHead(h: HeadRecord): Uint8Array {
  const { regions, ...rest } = h;
  return packr.pack(regions === undefined || regions.length === 0 ? rest : h);
}

/** Regions as stored: ascending first positions, strictly increasing region numbers above 0. */
function regionsField(r: Fields, field: string, what: RecordName): Regions {
  const v = r[field];
  if (v === undefined) return [];
  if (!Array.isArray(v)) damaged(what, `${field} is not a list of regions`);
  let at = -1;
  let region = 0;
  for (const x of v as unknown[]) {
    if (!Array.isArray(x) || x.length !== 2 || !isInt(x[0]) || !isInt(x[1]) || x[0] <= at || x[1] <= region) damaged(what, `${field} is not a list of regions`);
    at = x[0] as number;
    region = x[1] as number;
  }
  return v as Regions;
}

export function decodeHead(bytes: Uint8Array, what: RecordName = 'session head'): HeadRecord {
  const r = unpackMap(bytes, what);
  const head: HeadRecord = {
    key: str(r, 'key', what),
    sid: int(r, 'sid', what),
    version: int(r, 'version', what),
    start: int(r, 'start', what),
    next: int(r, 'next', what),
    createdAt: num(r, 'createdAt', what),
    updatedAt: num(r, 'updatedAt', what),
    cp: int(r, 'cp', what),
    base: int(r, 'base', what),
    gcAt: num(r, 'gcAt', what),
    logBytes: int(r, 'logBytes', what),
    deadBytes: int(r, 'deadBytes', what),
  };
  const regions = regionsField(r, 'regions', what);
  if (regions.length > 0) head.regions = regions;
  if (r['lastRemoval'] !== undefined) head.lastRemoval = int(r, 'lastRemoval', what);
  if (head.start > head.next || head.cp > head.version || head.base > head.version) damaged(what, 'inconsistent positions or versions');
  return head;
}

/** On disk the metadata is JSON text inside the MessagePack map. */
export function encodeState(s: StateRecord): Uint8Array {
  return packr.pack({ summary: s.summary, metadata: JSON.stringify(s.metadata) });
}

export function decodeState(bytes: Uint8Array, what: RecordName = 'session state'): StateRecord {
  const r = unpackMap(bytes, what);
  const metadata = parseJsonText(str(r, 'metadata', what), what);
  if (!isPlainObject(metadata)) damaged(what, 'metadata is not a JSON object');
  return { summary: str(r, 'summary', what), metadata };
}

/**
 * On disk: { pf, p: projection with its metadata as JSON text }. A projection with chunk regions
 * is stored with `pf` one above its fold format: a turnlog from before regions existed skips such
 * a checkpoint as one of another fold, folds the events instead and meets the removal event it
 * cannot read (CORRUPT) rather than reading chunks from the wrong region.
 */
const REGIONS_PF_STEP = 1;

export function encodeCheckpoint(c: CheckpointRecord): Uint8Array {
  const { regions, ...rest } = c.projection;
  const withRegions = regions !== undefined && regions.length > 0;
  const p = { ...rest, metadata: JSON.stringify(c.projection.metadata), ...(withRegions ? { regions } : {}) };
  return packr.pack({ pf: c.projectionFormat + (withRegions ? REGIONS_PF_STEP : 0), p });
}

export function decodeCheckpoint(bytes: Uint8Array, what: RecordName = 'checkpoint'): CheckpointRecord {
  const r = unpackMap(bytes, what);
  const storedFormat = int(r, 'pf', what);
  const p = r['p'];
  if (!isPlainObject(p)) damaged(what, 'p is not a map');
  const regions = regionsField(p, 'regions', what);
  const projectionFormat = storedFormat - (regions.length > 0 ? REGIONS_PF_STEP : 0);
  const metadata = parseJsonText(str(p, 'metadata', what), what);
  if (!isPlainObject(metadata)) damaged(what, 'metadata is not a JSON object');
  const projection: Projection = {
    version: int(p, 'version', what),
    start: int(p, 'start', what),
    next: int(p, 'next', what),
    summary: str(p, 'summary', what),
    metadata,
    createdAt: num(p, 'createdAt', what),
    updatedAt: num(p, 'updatedAt', what),
  };
  if (regions.length > 0) projection.regions = regions;
  if (projection.start > projection.next) damaged(what, 'start is after next');
  return { projectionFormat, projection };
}

// ------------------------------------------------------------------ chunks

/**
 * A chunk is a run of consecutive messages, stored as one JSON array text: sealing copies the
 * messages' JSON from their events byte for byte, and reading parses the whole run in one call.
 */
export function encodeChunk(messagesJson: readonly string[]): Uint8Array {
  return Buffer.from(`[${messagesJson.join(',')}]`, 'utf8');
}

export function decodeChunk(bytes: Uint8Array, what: RecordName = 'chunk'): Message[] {
  const v = parseJsonText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), what);
  if (!Array.isArray(v) || v.length === 0 || !v.every(isMessage)) damaged(what, 'not a non-empty list of messages');
  return v;
}

// ------------------------------------------------------------------ store-wide records

export function encodeFormat(f: FormatRecord): Uint8Array {
  return packr.pack(f);
}

export function decodeFormat(bytes: Uint8Array, what: RecordName = 'format'): FormatRecord {
  const r = unpackMap(bytes, what);
  return { format: int(r, 'format', what), createdAt: typeof r['createdAt'] === 'number' ? r['createdAt'] : 0 };
}

/** Counters are a fixed array in COUNTERS order: an append rewrites this record, so it stays small. */
export function encodeCounters(c: Counts): Uint8Array {
  return packr.pack(COUNTERS.map((name) => c[name]));
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
  return packr.pack(e.fingerprint === undefined ? e.version : [e.version, e.fingerprint]);
}

export function decodeEventIdEntry(bytes: Uint8Array, what: RecordName = 'event id'): EventIdEntry {
  const v = unpackAny(bytes, what);
  if (isInt(v)) return { version: v };
  if (!Array.isArray(v) || v.length !== 2 || !isInt(v[0]) || typeof v[1] !== 'string') damaged(what, 'not a version and a fingerprint');
  return { version: v[0] as number, fingerprint: v[1] as string };
}

/** Single numbers: the next sid, a directory entry's sid. */
export function encodeNumber(n: number): Uint8Array {
  return packr.pack(n);
}

export function decodeNumber(bytes: Uint8Array, what: RecordName): number {
  const v = unpackAny(bytes, what);
  if (!isInt(v)) damaged(what, 'not a non-negative integer');
  return v;
}
