import { createHash } from 'node:crypto';
import type { ZstdModule } from './optional-deps.js';

/**
 * How openclaw stores a transcript line in SQLite, decoded without I/O.
 *
 * `transcript_events`: up to schema 22 `event_json` holds the line as TEXT. From schema 23
 * (openclaw 2026.9.6) a line of 1,024 UTF-8 bytes or more may be stored as one zstd frame
 * (level 1, with a checksum, no dictionary) in `event_zstd`, with `event_json` NULL and its
 * exact UTF-8 length in `event_utf8_bytes` (both at most 4 MiB). openclaw's own reader refuses a
 * frame whose output is not exactly that length; so does this one.
 *
 * `session_transcript_archives` (schema 20 on): a whole former transcript file, JSONL, either as
 * is (`encoding` 'identity') or as one zstd frame ('zstd', default level), and the SHA-256 of
 * the stored bytes in `archive_sha256`.
 */

/** openclaw's bound on a compressed event and on its text (4 MiB). */
export const MAX_EVENT_BYTES = 4 * 1024 * 1024;
/** An archive is a whole transcript: bounded by what a JavaScript string can hold. */
export const MAX_ARCHIVE_BYTES = 2 ** 29 - 24;

export type Decoded = { ok: true; text: string } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * One zstd frame's content, never more than `limit` bytes: the decompressor is streamed and
 * stopped as soon as the output passes the limit, so a damaged or hostile frame cannot make it
 * allocate what its header claims.
 */
export function unzstd(zstd: ZstdModule, frame: Uint8Array, limit: number): { ok: true; bytes: Uint8Array } | { ok: false; reason: string } {
  const parts: Uint8Array[] = [];
  let size = 0;
  let over = false;
  try {
    const d = new zstd.Decompress((chunk) => {
      size += chunk.length;
      if (size > limit) {
        over = true;
        throw new Error('over limit');
      }
      parts.push(chunk.slice());
    });
    d.push(frame, true);
  } catch (error) {
    if (over) return { ok: false, reason: `zstd content is larger than ${limit} bytes` };
    return { ok: false, reason: `not a valid zstd frame (${(error as Error).message})` };
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return { ok: true, bytes: out };
}

/** A `transcript_events` row's line, or why it cannot be read. */
export function decodeEvent(zstd: () => ZstdModule, row: { event_json?: unknown; event_zstd?: unknown; event_utf8_bytes?: unknown }): Decoded {
  const { event_json: json, event_zstd: frame, event_utf8_bytes: length } = row;
  if (typeof json === 'string' && (frame === null || frame === undefined)) return { ok: true, text: json };
  if (json !== null && json !== undefined) return { ok: false, reason: 'has both event_json and event_zstd' };
  if (!(frame instanceof Uint8Array) || frame.length === 0) return { ok: false, reason: 'has neither event_json nor event_zstd' };
  if (frame.length > MAX_EVENT_BYTES) return { ok: false, reason: `event_zstd is larger than ${MAX_EVENT_BYTES} bytes` };
  const expected = typeof length === 'bigint' ? Number(length) : length;
  if (typeof expected !== 'number' || !Number.isSafeInteger(expected) || expected < 1 || expected > MAX_EVENT_BYTES) {
    return { ok: false, reason: `event_utf8_bytes is ${String(length)}, not a length from 1 to ${MAX_EVENT_BYTES}` };
  }
  const out = unzstd(zstd(), frame, expected);
  if (!out.ok) return { ok: false, reason: `event_zstd is ${out.reason.startsWith('zstd content is larger') ? `longer than its event_utf8_bytes (${expected})` : out.reason}` };
  if (out.bytes.length !== expected) return { ok: false, reason: `event_zstd holds ${out.bytes.length} bytes, event_utf8_bytes says ${expected}` };
  try {
    return { ok: true, text: utf8.decode(out.bytes) };
  } catch {
    return { ok: false, reason: 'event_zstd is not UTF-8 text' };
  }
}

/** A `session_transcript_archives` row's JSONL text, checked against its digest. */
export function decodeArchive(zstd: () => ZstdModule, row: { encoding?: unknown; archive_blob?: unknown; archive_sha256?: unknown }): Decoded {
  const blob = typeof row.archive_blob === 'string' ? Buffer.from(row.archive_blob, 'utf8') : row.archive_blob;
  if (!(blob instanceof Uint8Array)) return { ok: false, reason: 'archive_blob is missing' };
  if (typeof row.archive_sha256 === 'string' && createHash('sha256').update(blob).digest('hex') !== row.archive_sha256.toLowerCase()) {
    return { ok: false, reason: 'archive_blob does not match its archive_sha256' };
  }
  let bytes: Uint8Array = blob;
  if (row.encoding === 'zstd') {
    const out = unzstd(zstd(), blob, MAX_ARCHIVE_BYTES);
    if (!out.ok) return { ok: false, reason: `archive_blob is ${out.reason}` };
    bytes = out.bytes;
  } else if (row.encoding !== 'identity') {
    return { ok: false, reason: `unknown encoding ${JSON.stringify(row.encoding)}` };
  }
  try {
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    return { ok: false, reason: 'archive_blob is not UTF-8 text' };
  }
}
