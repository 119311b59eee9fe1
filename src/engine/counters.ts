import { COUNTERS, decodeCounters, encodeCounters } from '../core/codec.js';
import type { Counts } from '../core/codec.js';
import type { ReadTxn, WriteTxn } from '../storage/backend.js';

/**
 * Store-wide counters, so stats() never scans. They live in one meta record: a write that moves
 * several of them (an append moves `events` and `logBytes`) reads and rewrites one row.
 */
export { COUNTERS };
export type { Counter, Counts } from '../core/codec.js';

const KEY = ['counts'];

export function readCounters(tx: ReadTxn): Counts {
  const raw = tx.get('meta', KEY);
  return raw === undefined ? zeroCounts() : decodeCounters(raw);
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
  if (changed) tx.put('meta', KEY, encodeCounters(counts));
}
