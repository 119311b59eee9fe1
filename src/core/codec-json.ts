import type { Message } from '../types.js';
import { damaged, isPlainObject, parseJsonText } from './codec-fields.js';
import type { RecordName } from './codec-fields.js';

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
