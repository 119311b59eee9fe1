import { TurnlogError, invalid } from '../errors.js';
import type { Message } from '../types.js';

/** Keys are exact strings of at most this many UTF-8 bytes. */
export const MAX_KEY_BYTES = 4096;
/** Event ids are idempotency tokens, not payloads. */
export const MAX_EVENT_ID_BYTES = 1024;
/** Nesting beyond this is almost certainly a bug (and would blow the encoder's stack). */
export const MAX_DEPTH = 256;

export function validateKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0) invalid('session key must be a non-empty string');
  if (!key.isWellFormed()) invalid('session key must be well-formed Unicode (no lone surrogates)');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) invalid(`session key is longer than ${MAX_KEY_BYTES} UTF-8 bytes`);
  return key;
}

export function validateEventId(id: unknown): string | undefined {
  if (id === undefined) return undefined;
  if (typeof id !== 'string' || id.length === 0) invalid('eventId must be a non-empty string');
  if (!id.isWellFormed()) invalid('eventId must be well-formed Unicode');
  if (Buffer.byteLength(id, 'utf8') > MAX_EVENT_ID_BYTES) invalid(`eventId is longer than ${MAX_EVENT_ID_BYTES} UTF-8 bytes`);
  return id;
}

export function validateVersionOption(name: string, value: unknown, allowZero: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    invalid(`${name} must be an integer ≥ ${allowZero ? 0 : 1}`);
  }
  return value;
}

export function validateCount(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) invalid(`${name} must be an integer`);
  return value;
}

export function validateSummary(summary: unknown, maxBytes: number): string {
  if (typeof summary !== 'string') invalid('summary must be a string');
  if (!summary.isWellFormed()) invalid('summary must be well-formed Unicode');
  if (Buffer.byteLength(summary, 'utf8') > maxBytes) {
    throw new TurnlogError('TOO_LARGE', `summary is larger than maxMessageBytes (${maxBytes} bytes)`);
  }
  return summary;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks that `value` is JSON data that survives JSON.stringify/parse unchanged: plain objects,
 * arrays, finite numbers, strings, booleans, null. Object properties whose value is `undefined`
 * are allowed and dropped (as JSON does); anything JSON would silently alter is rejected.
 */
export function assertJsonData(value: unknown, path: string, depth = 0, seen = new Set<object>()): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) invalid(`${path} is not a finite number`);
      return;
    case 'object': {
      if (value === null) return;
      if (depth >= MAX_DEPTH) invalid(`${path} is nested deeper than ${MAX_DEPTH} levels`);
      if (seen.has(value)) invalid(`${path} contains a cycle`);
      seen.add(value);
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || value[i] === undefined) invalid(`${path}[${i}] is undefined or a hole`);
          assertJsonData(value[i], `${path}[${i}]`, depth + 1, seen);
        }
      } else {
        if (!isPlainObject(value)) invalid(`${path} is not a plain object (got ${value.constructor?.name ?? 'exotic'})`);
        if (Object.getOwnPropertySymbols(value).length > 0) invalid(`${path} has symbol keys`);
        for (const k of Object.keys(value)) {
          const v = (value as Record<string, unknown>)[k];
          if (v === undefined) continue;
          assertJsonData(v, `${path}.${k}`, depth + 1, seen);
        }
      }
      seen.delete(value);
      return;
    }
    default:
      invalid(`${path} is a ${typeof value}, which is not JSON data`);
  }
}

/** Validates one message and returns its stored form (JSON text) and its encoded size. */
export function encodeMessage(message: unknown, maxBytes: number, path = 'message'): string {
  if (typeof message !== 'object' || message === null || Array.isArray(message) || !isPlainObject(message)) {
    invalid(`${path} must be a plain object`);
  }
  const role = (message as Message).role;
  if (typeof role !== 'string' || role.length === 0) invalid(`${path}.role must be a non-empty string`);
  assertJsonData(message, path);
  const json = JSON.stringify(message);
  // UTF-8 length is at most 3 bytes per UTF-16 unit: skip the exact count when clearly small.
  if (json.length * 3 > maxBytes && Buffer.byteLength(json, 'utf8') > maxBytes) {
    throw new TurnlogError('TOO_LARGE', `${path} is larger than maxMessageBytes (${maxBytes} bytes encoded)`);
  }
  return json;
}

export function encodeMessages(messages: unknown, maxBytes: number, allowEmpty: boolean): string[] {
  if (!Array.isArray(messages)) invalid('messages must be an array');
  if (!allowEmpty && messages.length === 0) invalid('messages must not be empty');
  return messages.map((m, i) => encodeMessage(m, maxBytes, `messages[${i}]`));
}

/** A metadata patch: a plain object of JSON values; `null` deletes a field. */
export function encodePatch(patch: unknown, maxBytes: number): string {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch) || !isPlainObject(patch)) {
    invalid('metadata patch must be a plain object');
  }
  assertJsonData(patch, 'patch');
  const json = JSON.stringify(patch);
  if (json.length * 3 > maxBytes && Buffer.byteLength(json, 'utf8') > maxBytes) {
    throw new TurnlogError('TOO_LARGE', `metadata patch is larger than maxMessageBytes (${maxBytes} bytes)`);
  }
  return json;
}
