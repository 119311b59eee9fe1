import { invalid } from '../errors.js';

/**
 * A listSessions cursor: the recency position [updatedAt, internal session number] of the last
 * session a page examined, as base64url JSON. Every store orders sessions by that pair, newest
 * first, so the next page starts strictly below it.
 */
export type ListPosition = [number, number];

export function encodeCursor(k: readonly (number | string)[]): string {
  return Buffer.from(JSON.stringify(k), 'utf8').toString('base64url');
}

/** A cursor is the caller's input (it never reaches the store unchecked): malformed is INVALID_ARGUMENT. */
export function decodeCursor(cursor: string): ListPosition {
  try {
    const k = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    // -0 is read as 0: LMDB's key encoding of -0 would damage the bound's next part.
    // [recency, session number]: a finite time and a non-negative integer, as every store writes them.
    if (Array.isArray(k) && k.length === 2 && typeof k[0] === 'number' && Number.isFinite(k[0]) && Number.isSafeInteger(k[1]) && (k[1] as number) >= 0) {
      return [k[0] === 0 ? 0 : k[0], k[1] === 0 ? 0 : (k[1] as number)];
    }
  } catch {
    // fall through
  }
  return invalid('cursor is not one that listSessions returned');
}
