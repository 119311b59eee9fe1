import { eventsInRow } from '../core/codec.js';
import type { HeadRecord } from '../core/codec.js';
import { dirKey, gcqKey, KEY_BOTTOM, KEY_TOP, PER_SESSION_TABLES, recentKey, sidKey, keyNumber } from '../core/layout.js';
import type { Key, Table } from '../core/layout.js';
import type { Backend, WriteTxn } from '../storage/backend.js';
import { Budget, monotonicClock, takeWithin, TXN_MS, TXN_ROWS, yieldToEventLoop } from './budget.js';
import type { BudgetClock } from './budget.js';
import { adjustCounters } from './counters.js';
import type { Counts } from './counters.js';
import type { StopSignal } from './gc-report.js';

/**
 * Removing sessions. Unlinking (directory, head, state, index entries) is one small write; the
 * session's rows (events, checkpoints, chunks, event ids) are then removed in bounded
 * transactions. Its sid stays in `dead` until the last row is gone, so a purge cut short by a
 * crash is finished by the next one.
 */

/**
 * Unlinks a session inside a write transaction and marks its rows for purging. The counter
 * changes go into `counts`, which the caller writes once per transaction (adjusting the stored
 * record here would clamp at zero against sessions created earlier in the same batch).
 */
export function unlinkSession(tx: WriteTxn, head: HeadRecord, counts: Counts): void {
  tx.del('dir', dirKey(head.key));
  tx.del('heads', sidKey(head.sid));
  tx.del('state', sidKey(head.sid));
  tx.del('recent', recentKey(head.updatedAt, head.sid));
  if (head.gcAt !== 0) tx.del('gcq', gcqKey(head.gcAt, head.sid));
  tx.put('dead', sidKey(head.sid), new Uint8Array(0));
  // Events and log bytes are uncounted by the purge, row by row, as they really go.
  counts.sessions -= 1;
  counts.deadBytes -= head.deadBytes;
}

export interface PurgeCount {
  rows: number;
  bytes: number;
  events: number;
  sessionsFinished: number;
}

/** One bounded transaction's worth of purging, across every dead sid. */
export function purgeSome(tx: WriteTxn, budget: Budget): PurgeCount & { done: boolean } {
  const out = { rows: 0, bytes: 0, events: 0, sessionsFinished: 0, done: false };
  let events = 0;
  let logBytes = 0;
  const settle = (): void => {
    out.events = events;
    adjustCounters(tx, { events: -events, logBytes: -logBytes });
  };
  for (const d of [...tx.range('dead', { low: KEY_BOTTOM, high: KEY_TOP, limit: 64 })]) {
    const sid = keyNumber(d.key, 0, 'dead');
    let finished = true;
    for (const table of PER_SESSION_TABLES) {
      // Keys and sizes first (a range is not deleted from while it is walked), within the budget.
      const rows = takeWithin(keysAndSizes(tx, table, sid, budget.rowsLeft), budget);
      for (const r of rows) {
        if (budget.exhausted && out.rows > 0) break;
        tx.del(table, r.key);
        out.rows++;
        out.bytes += r.bytes;
        events += r.events;
        if (table !== 'eventIds') logBytes += r.bytes;
        budget.spend();
      }
      if (budget.exhausted) {
        finished = false;
        break;
      }
    }
    if (!finished) {
      settle();
      return out;
    }
    tx.del('dead', d.key);
    out.sessionsFinished++;
  }
  settle();
  out.done = [...tx.range('dead', { low: KEY_BOTTOM, high: KEY_TOP, limit: 1 })].length === 0;
  return out;
}

/** A row's key, stored bytes and, in the events table, how many events it holds (a pack: several). */
function* keysAndSizes(tx: WriteTxn, table: Table, sid: number, limit: number): Iterable<{ key: Key; bytes: number; events: number }> {
  for (const e of tx.range(table, { low: [sid], high: [sid + 1], limit })) {
    yield { key: [...e.key], bytes: e.value.byteLength, events: table === 'events' ? eventsInRow(keyNumber(e.key, 1, 'events'), e.value) : 0 };
  }
}

/**
 * Purges until no dead session is left, or until `stop` (aborted by `close()`) is seen at a
 * transaction boundary: the sids left in `dead` are purged by the next GC or the next open.
 * `clock` times each transaction's budget.
 */
export async function purgeAll(backend: Backend, stop?: StopSignal, clock: BudgetClock = monotonicClock): Promise<PurgeCount> {
  const total = { rows: 0, bytes: 0, events: 0, sessionsFinished: 0 };
  for (;;) {
    if (stop?.aborted === true) return total;
    const r = await backend.write((tx) => purgeSome(tx, new Budget(TXN_ROWS, TXN_MS, clock)));
    await yieldToEventLoop();
    total.rows += r.rows;
    total.bytes += r.bytes;
    total.events += r.events;
    total.sessionsFinished += r.sessionsFinished;
    if (r.done) return total;
  }
}

/** True when some deleted session still has rows to remove (a crash interrupted its purge). */
export function hasPendingPurges(backend: Backend): boolean {
  return backend.read((tx) => [...tx.range('dead', { low: KEY_BOTTOM, high: KEY_TOP, limit: 1 })].length > 0);
}
