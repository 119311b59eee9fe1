import type { HeadRecord } from '../core/codec.js';
import { KEY_BOTTOM, KEY_TOP, keyNumber } from '../core/layout.js';
import type { Key } from '../core/layout.js';
import { invalid } from '../errors.js';
import type { ListOptions, SessionInfo, SessionPage } from '../types.js';
import type { Backend, ReadTxn } from '../storage/backend.js';
import { headBySid } from './reader.js';

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 10_000;
/** Index entries examined per read transaction when a prefix filter skips many. */
const SCAN_PAGE = 1024;

function encodeCursor(k: Key): string {
  return Buffer.from(JSON.stringify(k), 'utf8').toString('base64url');
}

/** A cursor is the caller's input (it never reaches the store): malformed is INVALID_ARGUMENT. */
function decodeCursor(cursor: string): Key {
  try {
    const k = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(k) && k.length === 2 && k.every((x) => typeof x === 'number' && Number.isFinite(x))) return k as Key;
  } catch {
    // fall through
  }
  return invalid('cursor is not one that listSessions returned');
}

/**
 * Newest first, through the recency index: a page costs O(limit) reads without a prefix. With
 * a prefix, entries that do not match are skipped (cost O(entries scanned)), in bounded read
 * transactions so a long scan never pins an old snapshot.
 */
export function listPage(backend: Backend, o: ListOptions, info: (tx: ReadTxn, head: HeadRecord) => SessionInfo): SessionPage {
  const limit = o.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) invalid(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  if (o.prefix !== undefined && typeof o.prefix !== 'string') invalid('prefix must be a string');
  if (o.cursor !== undefined && typeof o.cursor !== 'string') invalid('cursor must be a string');
  let high: Key = o.cursor === undefined ? KEY_TOP : decodeCursor(o.cursor);
  const sessions: SessionInfo[] = [];
  let last: Key | undefined;
  for (;;) {
    const page = backend.read((tx) => {
      const found: Array<{ key: Key; info: SessionInfo }> = [];
      let scanned = 0;
      let lastKey: Key | undefined;
      for (const e of tx.range('recent', { low: KEY_BOTTOM, high, reverse: true, limit: SCAN_PAGE })) {
        scanned++;
        lastKey = [...e.key];
        // The prefix is checked on the head before the state is read: a session whose state
        // record is damaged fails the pages that include it, not every filtered listing.
        const head = headBySid(tx, keyNumber(e.key, 1, 'recent'));
        if (head === undefined || (o.prefix !== undefined && !head.key.startsWith(o.prefix))) continue;
        found.push({ key: lastKey, info: info(tx, head) });
        if (sessions.length + found.length > limit) break;
      }
      return { found, scanned, lastKey };
    });
    for (const f of page.found) {
      if (sessions.length === limit && last !== undefined) return { sessions, cursor: encodeCursor(last) };
      sessions.push(f.info);
      last = f.key;
    }
    if (page.scanned < SCAN_PAGE || page.lastKey === undefined) return { sessions };
    high = page.lastKey;
  }
}
