import { Packr } from 'msgpackr';
import { corrupt } from '../errors.js';

/** The one MessagePack configuration every record is packed and unpacked with (see codec.ts). */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/** Packs a record's value; typed without msgpackr's types, so they stay out of the published declarations. */
export function pack(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * Which record a decoder read, for the CORRUPT message: e.g. "event 9 of session #4". A function
 * when building the name costs something on a hot path: it is only called on damage.
 */
export type RecordName = string | (() => string);

// ------------------------------------------------------------------ checks

export type Fields = Record<string, unknown>;

export const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
export const isSignedInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isPlainObject = (v: unknown): v is Fields => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

export function damaged(what: RecordName, why?: string, cause?: unknown): never {
  const name = typeof what === 'function' ? what() : what;
  return corrupt(`${name}: damaged record${why === undefined ? '' : ` (${why})`}`, cause);
}

export function unpackAny(bytes: Uint8Array, what: RecordName): unknown {
  try {
    return packr.unpack(bytes) as unknown;
  } catch (error) {
    return damaged(what, 'not MessagePack', error);
  }
}

export function unpackMap(bytes: Uint8Array, what: RecordName): Fields {
  const value = unpackAny(bytes, what);
  if (!isPlainObject(value)) damaged(what, 'not a map');
  return value;
}

export function int(r: Fields, field: string, what: RecordName): number {
  const v = r[field];
  if (!isInt(v)) damaged(what, `${field} is not a non-negative integer`);
  return v;
}

export function num(r: Fields, field: string, what: RecordName): number {
  const v = r[field];
  if (!isNum(v)) damaged(what, `${field} is not a finite number`);
  return v;
}

export function str(r: Fields, field: string, what: RecordName): string {
  const v = r[field];
  if (typeof v !== 'string') damaged(what, `${field} is not a string`);
  return v;
}

function optional<T>(r: Fields, field: string, what: RecordName, read: (r: Fields, f: string, w: RecordName) => T): T | undefined {
  return r[field] === undefined ? undefined : read(r, field, what);
}

export function parseJsonText(text: string, what: RecordName): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    return damaged(what, 'not JSON', error);
  }
}
