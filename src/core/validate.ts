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
  return value === 0 ? 0 : value; // -0 is 0, and must never reach a record or a key as -0
}

export function validateCount(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) invalid(`${name} must be a safe integer`);
  return value === 0 ? 0 : value;
}

/** Timestamps are ms since the epoch within what a Date can hold: they end up in keys and records. */
export const MAX_TIME_MS = 8.64e15;

/** A short, never-throwing description of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object' && value !== null) return `a ${value.constructor?.name ?? 'null-prototype'} object`;
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/**
 * A time that may go into a record or a key: a finite number of ms within a Date's range. `-0`
 * is read as `0`: it is the same instant, but LMDB's key encoding of `-0` damages the key part
 * that follows it, so it must never reach a key (see checkKey).
 */
export function checkTime(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > MAX_TIME_MS) {
    invalid(`${name} must be a finite number of ms since the epoch (at most ${MAX_TIME_MS} either way), got ${describeValue(value)}`);
  }
  return value === 0 ? 0 : value;
}

/** Reads the `clock` option and checks what it returned, before any transaction starts. */
export function readClock(clock: () => unknown): number {
  let value: unknown;
  try {
    value = clock();
  } catch (error) {
    throw new TurnlogError('INVALID_ARGUMENT', 'the clock option threw', { cause: error });
  }
  return checkTime('the clock option', value);
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

/** Validates one message (any plain JSON object) and returns its stored form (JSON text) and its encoded size. */
export function encodeMessage(message: unknown, maxBytes: number, path = 'message'): string {
  if (typeof message !== 'object' || message === null || Array.isArray(message) || !isPlainObject(message)) {
    invalid(`${path} must be a plain object`);
  }
  // Any JSON object is a message (Responses items have no role); a role, when given, names one.
  const role = (message as Message).role;
  if (role !== undefined && (typeof role !== 'string' || role.length === 0)) invalid(`${path}.role must be a non-empty string when present`);
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

/**
 * Checks an options object: undefined, or a plain object whose every key is one the entry point
 * defines. A misspelt option (`expectVersion`, `maxMesages`) is INVALID_ARGUMENT naming the key,
 * never silently ignored. Keys whose value is undefined count too: they are still misspelt.
 */
export function checkOptionKeys(what: string, value: unknown, known: readonly string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(`${what} must be an object`);
  for (const k of Object.keys(value)) {
    if (known.includes(k)) continue;
    const near = closest(k, known);
    invalid(`${what}: unknown option ${JSON.stringify(k)}${near === undefined ? '' : ` (did you mean ${JSON.stringify(near)}?)`}; known: ${known.join(', ')}`);
  }
}

/**
 * The option names of an options interface, checked at compile time against the interface in
 * both directions: no name that is not an option, and no option left out.
 */
export function optionNames<T>() {
  return <const K extends ReadonlyArray<keyof T & string>>(names: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> })): readonly string[] => names;
}

/** The known name within edit distance 2 of `name`, if one is. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d <= 2 && (best === undefined || d < best.d)) best = { name: k, d };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2 || a.length > 64) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
