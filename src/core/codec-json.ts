import { deflateRawSync, inflateRawSync } from 'node:zlib';
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
 * A chunk is a run of consecutive messages as one JSON array text: sealing copies the messages'
 * JSON from their events byte for byte, and reading parses the whole run in one call. Format 1
 * stored that text as it is (its first byte is `[`); format 2 stores DEFLATED followed by the
 * text compressed with raw deflate, unless that would not be smaller. Both read back the same.
 */
const DEFLATED = 0x01;

export function encodeChunk(messagesJson: readonly string[]): Uint8Array {
  const text = Buffer.from(`[${messagesJson.join(',')}]`, 'utf8');
  const packed = deflateRawSync(text);
  if (packed.byteLength + 1 >= text.byteLength) return text;
  const out = Buffer.allocUnsafe(packed.byteLength + 1);
  out[0] = DEFLATED;
  packed.copy(out, 1);
  return out;
}

/** The chunk's JSON array text, inflated when it is stored compressed. */
export function chunkText(bytes: Uint8Array, what: RecordName = 'chunk'): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.byteLength === 0 || buf[0] !== DEFLATED) return buf.toString('utf8');
  try {
    return inflateRawSync(buf.subarray(1)).toString('utf8');
  } catch (error) {
    return damaged(what, 'not deflate data', error);
  }
}

export function decodeChunk(bytes: Uint8Array, what: RecordName = 'chunk'): Message[] {
  return decodeChunkText(chunkText(bytes, what), what);
}

/**
 * A chunk's messages with the length of its JSON text and of each message's text (what caches of
 * decoded messages hold: their memory follows the text, not the compressed bytes).
 */
export function decodeChunkSized(bytes: Uint8Array, what: RecordName = 'chunk'): { messages: Message[]; textBytes: number; sizes: number[] } {
  const text = chunkText(bytes, what);
  const messages = decodeChunkText(text, what);
  const cuts = messageCuts(text);
  if (cuts.length !== messages.length + 1) damaged(what, 'its messages could not be told apart');
  const sizes = new Array<number>(messages.length);
  for (let i = 0; i < messages.length; i++) sizes[i] = (cuts[i + 1] as number) - (cuts[i] as number) - 1;
  return { messages, textBytes: text.length, sizes };
}

function decodeChunkText(text: string, what: RecordName): Message[] {
  const v = parseJsonText(text, what);
  if (!Array.isArray(v) || v.length === 0 || !v.every(isMessage)) damaged(what, 'not a non-empty list of messages');
  return v;
}

/**
 * The messages of a chunk as the exact JSON texts sealing joined (what a stub event stands for):
 * the array text cut at its top-level commas. Checked like a parse: the text must be one array
 * of message objects, else CORRUPT.
 */
export function chunkTexts(bytes: Uint8Array, what: RecordName = 'chunk'): string[] {
  const text = chunkText(bytes, what);
  const count = decodeChunkText(text, what).length;
  const cuts = messageCuts(text);
  if (cuts.length !== count + 1) damaged(what, 'its messages could not be told apart');
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) out[i] = text.slice((cuts[i] as number) + 1, cuts[i + 1]);
  return out;
}

/**
 * Where a JSON array text is cut between its elements: the offset of its `[`, of each top-level
 * comma, and of its closing `]` (one more cut than elements). Only for text that parsed.
 */
function messageCuts(text: string): number[] {
  const cuts = [0];
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) depth++;
    else if (c === 0x5d || c === 0x7d) {
      if (--depth === 0) cuts.push(i);
    } else if (c === 0x2c && depth === 1) cuts.push(i);
  }
  return cuts;
}
