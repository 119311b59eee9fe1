import { pack, unpackRecord } from '../core/codec.js';
import type { ReadTxn, WriteTxn } from '../storage/backend.js';

/**
 * Store-wide counters, so stats() never scans. They live in one meta record: a write that moves
 * several of them (an append moves `events` and `logBytes`) reads and rewrites one row.
 */
export const COUNTERS = ['sessions', 'events', 'logBytes', 'deadBytes'] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;

const KEY = ['counts'];

export function readCounters(tx: ReadTxn): Counts {
  const raw = tx.get('meta', KEY);
  const r = raw === undefined ? {} : unpackRecord(raw, 'counters');
  const out = {} as Counts;
  for (const c of COUNTERS) out[c] = typeof r[c] === 'number' && Number.isFinite(r[c]) ? (r[c] as number) : 0;
  return out;
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
  if (changed) tx.put('meta', KEY, pack(counts));
}
