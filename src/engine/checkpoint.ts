import { encodeChunk, encodeEvent, encodePack } from '../core/codec.js';
import type { HeadRecord } from '../core/codec.js';
import { messageSpan } from '../core/events.js';
import type { LogEvent } from '../core/events.js';
import { checkpointKey, chunkPosition, lastRegion, MAX_REGION } from '../core/layout.js';
import type { Regions } from '../core/layout.js';
import { corrupt, TurnlogError } from '../errors.js';
import type { Projection } from '../core/projection.js';
import type { ReadTxn } from '../storage/backend.js';
import { checkpointAtOrBefore, decodeRawEvents } from './reader.js';
import type { RawEvent } from './reader.js';

export interface SealPlan {
  chunks: Array<{ from: number; bytes: Uint8Array }>;
  chunkBytes: number;
  /** Bytes that this checkpoint makes unnecessary for the current state (its events as they were stored before `pack`). */
  deadBytes: number;
  /**
   * The events after the session's newest checkpoint (stored ones and fresh ones) as one events
   * row keyed at this checkpoint's version (codec-packs.ts): each a stub naming its chunk
   * positions where this seal copied all of its messages, else whole. `deletes` are the stored
   * rows it replaces, `replacedBytes` what they and the fresh events would have been stored as.
   * Undefined when the pack would not be smaller.
   */
  pack?: { first: number; bytes: Uint8Array; deletes: number[]; replacedBytes: number };
}

/**
 * The first position that is not sealed in the newest chunk region: from there on, sealing goes
 * on. Normally the previous checkpoint's `next`; when a removal since that checkpoint started a
 * new region, that region's first position (nothing is sealed in it yet).
 */
export function unsealedFrom(prev: Projection | undefined, regions: Regions | undefined): number {
  const last = regions?.[regions.length - 1];
  if (last !== undefined && last[1] > lastRegion(prev?.regions)) return last[0];
  return prev?.next ?? 0;
}

/**
 * The chunk region a removal that cuts at position `from` must start, or undefined when the
 * positions it gives away are not sealed yet (the usual case: the newest messages are in the tail
 * events). Old chunks are never rewritten: versions before the removal still read them.
 */
export function regionForRemoval(tx: ReadTxn, head: HeadRecord, from: number): number | undefined {
  const cp = checkpointAtOrBefore(tx, head, head.version);
  const regions = head.regions ?? [];
  if (from >= unsealedFrom(cp?.projection, regions)) return undefined;
  const region = lastRegion(regions) + 1;
  if (region >= MAX_REGION) throw new TurnlogError('INVALID_ARGUMENT', `${JSON.stringify(head.key)} has removed sealed messages ${MAX_REGION - 1} times; copy it with setHistory into a new session`);
  return region;
}

/**
 * A checkpoint must make every visible position a chunk holds: the positions placed since the
 * previous checkpoint that are still visible are copied (as JSON text, not re-encoded) from the
 * tail events into chunks of about `chunkBytes`, keyed in the newest region. A position placed
 * again after a removal holds the message of the last event that placed it.
 */
export function sealPlan(tx: ReadTxn, head: HeadRecord | undefined, sid: number, after: Projection, fresh: LogEvent[], freshBytes: Uint8Array[], chunkBytes: number): SealPlan {
  const prev = head === undefined ? undefined : checkpointAtOrBefore(tx, head, head.version);
  const raw = head === undefined ? [] : decodeRawEvents(tx, sid, prev?.projection.version ?? 0, head.version);
  let deadBytes = raw.reduce((n, r) => n + r.bytes, 0) + freshBytes.reduce((n, b) => n + b.byteLength, 0);
  if (head !== undefined && head.cp > 0) deadBytes += tx.get('checkpoints', checkpointKey(sid, head.cp))?.byteLength ?? 0;
  const from = Math.max(after.start, unsealedFrom(prev?.projection, after.regions));
  const placed: Array<string | undefined> = new Array<string | undefined>(Math.max(0, after.next - from));
  const placer: Array<LogEvent | undefined> = new Array<LogEvent | undefined>(placed.length);
  const events = [...raw.map((r) => r.event), ...fresh];
  for (const e of events) {
    const span = messageSpan(e);
    if (span === undefined) continue;
    for (let pos = Math.max(from, span.from); pos < span.to && pos < after.next; pos++) {
      placed[pos - from] = span.messagesJson[pos - span.from];
      placer[pos - from] = e;
    }
  }
  const runs: Array<{ from: number; messages: string[] }> = [];
  let current: { from: number; messages: string[] } | undefined;
  let size = 0;
  for (const [i, json] of placed.entries()) {
    const pos = from + i;
    if (json === undefined) return corrupt(`message ${pos} of session #${sid} is in no event since the last checkpoint`);
    if (current === undefined || size + json.length > chunkBytes) {
      current = { from: chunkPosition(after.regions, pos), messages: [] };
      runs.push(current);
      size = 0;
    }
    current.messages.push(json);
    size += json.length;
  }
  const chunks = runs.flatMap((r) => fitChunks(r.from, r.messages));
  const sealed = chunks.reduce((n, c) => n + c.bytes.byteLength, 0);
  return { chunks, chunkBytes: sealed, deadBytes, ...packOf(head?.cp ?? 0, raw, fresh, freshBytes, from, after, placer) };
}

/**
 * The pack of the events after version `cp` (the session's newest checkpoint: every event after
 * it is a row of its own, packs end at checkpoints). Versions (cp, …] are contiguous in `raw`
 * followed by `fresh`: `raw` starts at or below cp + 1.
 */
function packOf(cp: number, raw: RawEvent[], fresh: LogEvent[], freshBytes: Uint8Array[], from: number, after: Projection, placer: ReadonlyArray<LogEvent | undefined>): Pick<SealPlan, 'pack'> {
  const items: Uint8Array[] = [];
  const deletes: number[] = [];
  let replacedBytes = 0;
  const add = (e: LogEvent, own: () => Uint8Array, bytes: number): void => {
    const at = stubAt(e, from, after, placer);
    const stub = at === undefined ? undefined : encodeEvent(e, at);
    items.push(stub !== undefined && stub.byteLength < bytes ? stub : own());
    replacedBytes += bytes;
  };
  for (const r of raw) {
    if (r.event.version <= cp) continue;
    if (r.packed) return {}; // never packed twice (packs end at checkpoints)
    add(r.event, () => encodeEvent(r.event), r.bytes);
    deletes.push(r.event.version);
  }
  fresh.forEach((e, i) => add(e, () => freshBytes[i] as Uint8Array, (freshBytes[i] as Uint8Array).byteLength));
  if (items.length === 0 || items.length !== after.version - cp) return {};
  const bytes = encodePack(cp + 1, items);
  return bytes.byteLength < replacedBytes ? { pack: { first: cp + 1, bytes, deletes, replacedBytes } } : {};
}

/**
 * LMDB keeps a value too large for a leaf page in whole overflow pages (4,096 bytes, 16 of them
 * a header): a compressed chunk just over a page boundary would leave most of its last page
 * empty. So a run whose compressed bytes waste more than a quarter page is cut where the first
 * part fills one page fewer, and the rest is sealed as the next chunk (small ones share leaf pages).
 */
const PAGE_DATA = 4096 - 16;

function fitChunks(from: number, texts: string[]): Array<{ from: number; bytes: Uint8Array }> {
  const out: Array<{ from: number; bytes: Uint8Array }> = [];
  let at = 0;
  while (at < texts.length) {
    const rest = texts.slice(at);
    const bytes = encodeChunk(rest);
    const pages = Math.ceil(bytes.byteLength / PAGE_DATA);
    let fit: { count: number; bytes: Uint8Array } | undefined;
    if (pages > 1 && pages * PAGE_DATA - bytes.byteLength > PAGE_DATA / 4) {
      // Compressed size grows about in proportion to the messages kept: aim just under, then shrink.
      let count = Math.floor((rest.length * (pages - 1) * PAGE_DATA) / bytes.byteLength);
      for (let tries = 0; tries < 4 && count >= 1; tries++, count = Math.floor(count * 0.9)) {
        const part = encodeChunk(rest.slice(0, count));
        if (part.byteLength <= (pages - 1) * PAGE_DATA) {
          fit = { count, bytes: part };
          break;
        }
      }
    }
    if (fit === undefined) {
      out.push({ from: from + at, bytes });
      break;
    }
    out.push({ from: from + at, bytes: fit.bytes });
    at += fit.count;
  }
  return out;
}

/**
 * The chunk key position of an event's first message when the seal copied all of its messages:
 * each of its positions was sealed (visible, not sealed before) and no later event placed it
 * again. Its positions then have consecutive chunk keys: a region starts only where a removal
 * cut, and a removal inside the event's span would have handed those positions to a later
 * event. Undefined otherwise: the event keeps its JSON.
 */
function stubAt(e: LogEvent, from: number, after: Projection, placer: ReadonlyArray<LogEvent | undefined>): number | undefined {
  const span = messageSpan(e);
  if (span === undefined || span.to <= span.from || span.from < from || span.to > after.next) return undefined;
  for (let pos = span.from; pos < span.to; pos++) if (placer[pos - from] !== e) return undefined;
  const at = chunkPosition(after.regions, span.from);
  return chunkPosition(after.regions, span.to - 1) === at + span.to - 1 - span.from ? at : undefined;
}
