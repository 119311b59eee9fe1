import { decodeNumber, encodeNumber } from '../core/codec.js';
import type { ReadTxn, WriteTxn } from '../storage/backend.js';

/** Store-wide counters kept in the meta table, so stats() never scans. */
export const COUNTERS = ['sessions', 'events', 'logBytes', 'deadBytes'] as const;
export type Counter = (typeof COUNTERS)[number];

export function readCounter(tx: ReadTxn, name: Counter): number {
  const raw = tx.get('meta', ['count', name]);
  return raw === undefined ? 0 : decodeNumber(raw, `${name} counter`);
}

export function bumpCounter(tx: WriteTxn, name: Counter, delta: number): void {
  tx.put('meta', ['count', name], encodeNumber(Math.max(0, readCounter(tx, name) + delta)));
}
