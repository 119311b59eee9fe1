import { createHash } from 'node:crypto';
import { corrupt, invalid } from '../errors.js';

/**
 * Tables of the store and the shape of their keys. Every table is ordered by key; keys are tuples
 * of numbers and strings. `sid` is a session's internal number: it is never reused, so a deleted
 * session's leftovers can be collected without ever touching a newer session of the same key.
 * A chunk's region key is its first position in region 0 (every store before removals), else
 * region · REGION_SPAN + first position (see chunk regions below).
 *
 * | table       | key                  | value                                   |
 * |-------------|----------------------|-----------------------------------------|
 * | meta        | [name]               | store-wide counters (next sid)          |
 * | dir         | [sha256(key)]        | sid of the live session with that key   |
 * | heads       | [sid]                | HeadRecord: version, range, checkpoint  |
 * | state       | [sid]                | StateRecord: summary and metadata       |
 * | events      | [sid, version]       | StoredEvent                             |
 * | eventIds    | [sid, sha256(id)]    | version that applied the id, fingerprint|
 * | checkpoints | [sid, version]       | CheckpointRecord                        |
 * | chunks      | [sid, region key]    | JSON array of consecutive messages      |
 * | recent      | [updatedAt, sid]     | empty: the recency index                |
 * | dead        | [sid]                | empty: deleted sessions still to purge  |
 * | gcq         | [reviewAt, sid]      | empty: when GC should look at a session |
 */
export const TABLES = ['meta', 'dir', 'heads', 'state', 'events', 'eventIds', 'checkpoints', 'chunks', 'recent', 'dead', 'gcq'] as const;
export type Table = (typeof TABLES)[number];

export type KeyPart = number | string;
export type Key = KeyPart[];

/** Tables keyed by [sid, …]: what a purge of one session removes. */
export const PER_SESSION_TABLES = ['events', 'eventIds', 'checkpoints', 'chunks'] as const satisfies readonly Table[];

/** Long session keys do not fit in an LMDB key; the directory is keyed by their digest. */
export function digest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export const META_NEXT_SID: Key = ['nextSid'];
/** Digests of recently used session keys: every write and read looks its key up first. */
const recentDigests = new Map<string, string>();
const RECENT_DIGESTS = 4096;

export function dirKey(sessionKey: string): Key {
  let d = recentDigests.get(sessionKey);
  if (d === undefined) {
    if (recentDigests.size >= RECENT_DIGESTS) recentDigests.clear();
    d = digest(sessionKey);
    recentDigests.set(sessionKey, d);
  }
  return [d];
}
export const sidKey = (sid: number): Key => [sid];
export const eventKey = (sid: number, version: number): Key => [sid, version];
export const eventIdKey = (sid: number, id: string): Key => [sid, digest(id)];
export const checkpointKey = (sid: number, version: number): Key => [sid, version];
export const chunkKey = (sid: number, from: number): Key => [sid, from];
export const recentKey = (updatedAt: number, sid: number): Key => [updatedAt, sid];
export const gcqKey = (reviewAt: number, sid: number): Key => [reviewAt, sid];
/** Bounds of tables keyed by [time, sid]: strings sort after every number. */
export const KEY_TOP: Key = ['~'];
export const KEY_BOTTOM: Key = [-Number.MAX_VALUE];

/** The number at `index` of a key read back from a table (a sid, a version, a position). */
export function keyNumber(key: Key, index: number, table: Table): number {
  const part = key[index];
  if (typeof part !== 'number' || !Number.isSafeInteger(part)) return corrupt(`damaged key in table ${table}: part ${index} is not an integer`);
  return part;
}

/**
 * The first key after `key` in a table keyed by [number, integer] ([time, sid], [sid, version]…),
 * for paging: the first part as read (a time may be fractional), the second one up. Checked like
 * every stored key part: a damaged key is CORRUPT, never a wrong page.
 */
export function keyAfter(key: Key, table: Table): Key {
  const first = key[0];
  if (typeof first !== 'number' || !Number.isFinite(first)) return corrupt(`damaged key in table ${table}: part 0 is not a number`);
  return [first, keyNumber(key, 1, table) + 1];
}

/**
 * A key every backend can store and order: strings, and finite numbers other than `-0` (LMDB's
 * key encoding of `-0` damages the part after it, so the key would never read back). Checked
 * whenever a key is planned for a put, so an impossible key fails that write alone instead of
 * breaking the store.
 */
export function checkKey(table: Table, key: Key): Key {
  for (const part of key) {
    if (typeof part === 'string' ? part.length === 0 : !Number.isFinite(part) || Object.is(part, -0)) {
      invalid(`a ${table} key part is not storable: ${Object.is(part, -0) ? '-0' : String(part)}`);
    }
  }
  return key;
}

/**
 * Chunk regions. A message's position is its place in the history ([start, next)); a removal of
 * the newest messages hands their positions to the messages added after it. Chunks are
 * immutable and old versions must keep reading the old messages, so when a removal reaches
 * positions that are already sealed in chunks, the positions from there on are sealed in a new
 * region: a separate range of chunk keys (region r holds position p at key r·REGION_SPAN + p).
 * A projection lists its regions as [first position, region] pairs in ascending order; positions
 * below the first pair are in region 0, which is where every store before removals kept them.
 */
export type Regions = ReadonlyArray<readonly [number, number]>;
export const REGION_SPAN = 2 ** 32;
/** Region numbers stay below this so keys stay safe integers. */
export const MAX_REGION = 2 ** 20;

/** The region holding position `pos` (0 without regions). */
export function regionOf(regions: Regions | undefined, pos: number): number {
  let region = 0;
  for (const [from, r] of regions ?? []) {
    if (from > pos) break;
    region = r;
  }
  return region;
}

/** The chunk-key position of message position `pos`. */
export function chunkPosition(regions: Regions | undefined, pos: number): number {
  if (pos >= REGION_SPAN) invalid(`position ${pos} is beyond what a session can hold (${REGION_SPAN} messages)`);
  return regionOf(regions, pos) * REGION_SPAN + pos;
}

/** [lo, hi) cut at region boundaries: each piece with the key offset of its region. */
export function regionPieces(regions: Regions | undefined, lo: number, hi: number): Array<{ from: number; to: number; offset: number }> {
  const out: Array<{ from: number; to: number; offset: number }> = [];
  const bounds: Array<readonly [number, number]> = [[0, 0], ...(regions ?? [])];
  for (let i = 0; i < bounds.length; i++) {
    const [from, region] = bounds[i] as readonly [number, number];
    const to = i + 1 < bounds.length ? (bounds[i + 1] as readonly [number, number])[0] : Infinity;
    const a = Math.max(lo, from);
    const b = Math.min(hi, to);
    if (a < b) out.push({ from: a, to: b, offset: region * REGION_SPAN });
  }
  return out;
}

/** The regions after a new region `region` starts at position `from`. */
export function startRegion(regions: Regions, from: number, region: number): Array<readonly [number, number]> {
  return [...regions.filter(([at]) => at < from), [from, region]];
}

/** The newest region number ever started (0: none). */
export const lastRegion = (regions: Regions | undefined): number => regions?.[regions.length - 1]?.[1] ?? 0;
