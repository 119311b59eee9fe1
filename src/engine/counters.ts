import { pack, unpackArray } from '../core/codec.js';
import type { ReadTxn, WriteTxn } from '../storage/backend.js';

/**
 * Store-wide counters, so stats() never scans. They live in one meta record: a write that moves
 * several of them (an append moves `events` and `logBytes`) reads and rewrites one row.
 */
export const COUNTERS = ['sessions', 'events', 'logBytes', 'deadBytes'] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;

const KEY = ['counts'];

/** Stored as a fixed array in COUNTERS order: an append rewrites this record, so it stays small. */
export function readCounters(tx: ReadTxn): Counts {
  const raw = tx.get('meta', KEY);
  const values = raw === undefined ? [] : unpackArray(raw, 'counters');
  const out = {} as Counts;
  COUNTERS.forEach((c, i) => {
    const v = values[i];
    out[c] = typeof v === 'number' && Number.isFinite(v) ? v : 0;
  });
  return out;
}

export function zeroCounts(): Counts {
  return { sessions: 0, events: 0, logBytes: 0, deadBytes: 0 };
}

/** Adds `delta` to the counters (never below zero), in one read and one write. */
export function adjustCounters(tx: WriteTxn, delta: Partial<Counts>): void {
  const counts = readCounters(tx);
  let changed = false;
  for (const c of COUNTERS) {
    const d = delta[c];
    if (d === undefined || d === 0) continue;
    counts[c] = Math.max(0, counts[c] + d);
    changed = true;
  }
  if (changed) tx.put('meta', KEY, pack(COUNTERS.map((c) => counts[c])));
}
