import { pack, damaged, int, isInt, isPlainObject, num, parseJsonText, str, unpackMap } from './codec-fields.js';
import type { Fields, RecordName } from './codec-fields.js';
import type { Projection } from './projection.js';
import type { Regions } from './layout.js';

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

// ------------------------------------------------------------------ heads, state, checkpoints

export function encodeHead(h: HeadRecord): Uint8Array {
  const { regions, ...rest } = h;
  return pack(regions === undefined || regions.length === 0 ? rest : h);
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
  return pack({ summary: s.summary, metadata: JSON.stringify(s.metadata) });
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
  return pack({ pf: c.projectionFormat + (withRegions ? REGIONS_PF_STEP : 0), p });
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
