import { encodeChunk } from '../core/codec.js';
import type { HeadRecord } from '../core/codec.js';
import { messageSpan } from '../core/events.js';
import type { LogEvent } from '../core/events.js';
import { checkpointKey, chunkPosition, lastRegion, MAX_REGION } from '../core/layout.js';
import type { Regions } from '../core/layout.js';
import { corrupt, TurnlogError } from '../errors.js';
import type { Projection } from '../core/projection.js';
import type { ReadTxn } from '../storage/backend.js';
import { checkpointAtOrBefore, decodeRawEvents } from './reader.js';

export interface SealPlan {
  chunks: Array<{ from: number; bytes: Uint8Array }>;
  chunkBytes: number;
  /** Bytes that this checkpoint makes unnecessary for the current state. */
  deadBytes: number;
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
  for (const e of [...raw.map((r) => r.event), ...fresh]) {
    const span = messageSpan(e);
    if (span === undefined) continue;
    for (let pos = Math.max(from, span.from); pos < span.to && pos < after.next; pos++) placed[pos - from] = span.messagesJson[pos - span.from];
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
  const chunks = runs.map((r) => ({ from: r.from, bytes: encodeChunk(r.messages) }));
  return { chunks, chunkBytes: chunks.reduce((n, c) => n + c.bytes.byteLength, 0), deadBytes };
}
