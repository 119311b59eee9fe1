import { encodeChunk } from '../core/codec.js';
import type { HeadRecord } from '../core/codec.js';
import { messageSpan } from '../core/events.js';
import type { LogEvent } from '../core/events.js';
import { checkpointKey } from '../core/layout.js';
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
 * A checkpoint must make every visible position a chunk holds: the positions added since the
 * previous checkpoint that are still visible are copied (as JSON text, not re-encoded) from the
 * tail events into chunks of about `chunkBytes`.
 */
export function sealPlan(tx: ReadTxn, head: HeadRecord | undefined, sid: number, after: Projection, fresh: LogEvent[], freshBytes: Uint8Array[], chunkBytes: number): SealPlan {
  const prev = head === undefined ? undefined : checkpointAtOrBefore(tx, head, head.version);
  const prevNext = prev?.projection.next ?? 0;
  const raw = head === undefined ? [] : decodeRawEvents(tx, sid, prev?.projection.version ?? 0, head.version);
  let deadBytes = raw.reduce((n, r) => n + r.bytes, 0) + freshBytes.reduce((n, b) => n + b.byteLength, 0);
  if (head !== undefined && head.cp > 0) deadBytes += tx.get('checkpoints', checkpointKey(sid, head.cp))?.byteLength ?? 0;
  const from = Math.max(after.start, prevNext);
  const runs: Array<{ from: number; messages: string[] }> = [];
  let current: { from: number; messages: string[] } | undefined;
  let size = 0;
  for (const e of [...raw.map((r) => r.event), ...fresh]) {
    const span = messageSpan(e);
    if (span === undefined) continue;
    for (const [i, json] of span.messagesJson.entries()) {
      const pos = span.from + i;
      if (pos < from || pos >= after.next) continue;
      if (current === undefined || size + json.length > chunkBytes) {
        current = { from: pos, messages: [] };
        runs.push(current);
        size = 0;
      }
      current.messages.push(json);
      size += json.length;
    }
  }
  const chunks = runs.map((r) => ({ from: r.from, bytes: encodeChunk(r.messages) }));
  return { chunks, chunkBytes: chunks.reduce((n, c) => n + c.bytes.byteLength, 0), deadBytes };
}
