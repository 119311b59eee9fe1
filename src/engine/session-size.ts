import { eventsInRow } from '../core/codec.js';
import { dirKey, gcqKey, keyNumber, PER_SESSION_TABLES, recentKey, sidKey } from '../core/layout.js';
import type { Key, Table } from '../core/layout.js';
import { storedKeyBytes } from '../core/record-size.js';
import type { ReadTxn } from '../storage/backend.js';
import type { SessionSize } from '../types.js';
import { findHead } from './reader.js';

/**
 * What one session's records occupy, read in one snapshot: its single-key records (directory,
 * head, state, recency and GC-queue entries) by key, and its per-session tables (events, event
 * ids, checkpoints, chunks) as key ranges [sid]..[sid + 1] with keys only counted and values
 * measured, never decoded. Cost: the session's own rows; no other session is read.
 * Undefined for an unknown key (a deleted session is unknown at once, whatever its purge left).
 */
export function sessionSize(tx: ReadTxn, key: string): SessionSize | undefined {
  const head = findHead(tx, key);
  if (head === undefined) return undefined;
  let bytes = 0;
  const one = (table: Table, k: Key): void => {
    const value = tx.get(table, k);
    if (value !== undefined) bytes += storedKeyBytes(k) + value.byteLength;
  };
  one('dir', dirKey(key));
  one('heads', sidKey(head.sid));
  one('state', sidKey(head.sid));
  one('recent', recentKey(head.updatedAt, head.sid));
  if (head.gcAt !== 0) one('gcq', gcqKey(head.gcAt, head.sid));
  let events = 0;
  for (const table of PER_SESSION_TABLES) {
    for (const e of tx.range(table, { low: [head.sid], high: [head.sid + 1] })) {
      bytes += storedKeyBytes(e.key) + e.value.byteLength;
      if (table === 'events') events += eventsInRow(keyNumber(e.key, 1, 'events'), e.value);
    }
  }
  return { bytes, events };
}
