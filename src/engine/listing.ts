import { decodeRecentEntry } from '../core/codec.js';
import type { HeadRecord } from '../core/codec.js';
import { KEY_BOTTOM, KEY_TOP, keyNumber } from '../core/layout.js';
import { decodeCursor, encodeCursor } from '../core/list-cursor.js';
import type { Key } from '../core/layout.js';
import { invalid } from '../errors.js';
import type { ListOptions, SessionInfo, SessionPage } from '../types.js';
import type { Backend, ReadTxn } from '../storage/backend.js';
import { headBySid } from './reader.js';

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 10_000;
/**
 * Index entries one call examines at most (or `limit + 1` when larger). A prefix that few
 * sessions match used to walk the whole recency index in one synchronous call (60,000 sessions:
 * about 160–230 ms with the event loop stopped). Now such a call returns after this many entries
 * with the sessions found so far (maybe none) and a cursor to carry on from.
 */
export const LIST_SCAN_LIMIT = 2048;

/** The options of one listSessions call, checked (INVALID_ARGUMENT), with the default limit. */
export function checkListOptions(o: ListOptions): ListOptions & { limit: number } {
  const limit = o.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) invalid(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  if (o.prefix !== undefined && typeof o.prefix !== 'string') invalid('prefix must be a string');
  // Keys are well-formed Unicode, so a prefix that is not matches no key the same way in every store.
  if (o.prefix !== undefined && !o.prefix.isWellFormed()) invalid('prefix must be well-formed Unicode (no lone surrogates)');
  if (o.cursor !== undefined && typeof o.cursor !== 'string') invalid('cursor must be a string');
  if (o.cursor !== undefined) decodeCursor(o.cursor);
  return { ...o, limit };
}

/**
 * Newest first, through the recency index, in one read transaction. Without a prefix a page
 * costs O(limit). With one, entries whose session does not match are skipped, and at most
 * LIST_SCAN_LIMIT entries (or limit + 1) are examined per call: a page can then hold fewer than
 * `limit` sessions, even none, and still carry a cursor. The cursor is present whenever more
 * sessions may follow. An index entry carries its session's version: `cached` answers a session
 * whose state at that version is known without reading its head or state (info-cache.ts).
 */
export function listPage(
  backend: Backend,
  o: ListOptions,
  info: (tx: ReadTxn, head: HeadRecord) => SessionInfo,
  cached: (sid: number, version: number) => SessionInfo | undefined = () => undefined,
): SessionPage {
  const limit = o.limit ?? DEFAULT_LIST_LIMIT;
  const high: Key = o.cursor === undefined ? KEY_TOP : decodeCursor(o.cursor);
  const scanMax = Math.max(LIST_SCAN_LIMIT, limit + 1);
  return backend.read((tx) => {
    const sessions: SessionInfo[] = [];
    let lastReturned: Key | undefined;
    let lastScanned: Key | undefined;
    let scanned = 0;
    for (const e of tx.range('recent', { low: KEY_BOTTOM, high, reverse: true, limit: scanMax })) {
      scanned++;
      const key = [...e.key];
      const sid = keyNumber(key, 1, 'recent');
      const version = decodeRecentEntry(e.value, () => `recency entry of session #${sid}`);
      const hit = version === undefined ? undefined : cached(sid, version);
      // The prefix is checked on the head before the state is read: a session whose state
      // record is damaged fails the pages that include it, not every filtered listing.
      const head = hit === undefined ? headBySid(tx, sid) : undefined;
      const sessionKey = hit?.key ?? head?.key;
      if (sessionKey !== undefined && (o.prefix === undefined || sessionKey.startsWith(o.prefix))) {
        // One more match than the page holds: the page is full and more follow.
        if (sessions.length === limit && lastReturned !== undefined) return { sessions, cursor: encodeCursor(lastReturned) };
        sessions.push(hit ?? info(tx, head as HeadRecord));
        lastReturned = key;
      }
      lastScanned = key;
    }
    // The scan bound was reached: entries (maybe matching) may follow the last one examined.
    if (scanned === scanMax && lastScanned !== undefined) return { sessions, cursor: encodeCursor(lastScanned) };
    return { sessions };
  });
}
