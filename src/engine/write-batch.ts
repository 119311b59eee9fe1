import type { WriteTxn } from '../storage/backend.js';
import { adjustCounters, zeroCounts } from './counters.js';
import type { Counts } from './counters.js';
import type { Settled } from './group-commit.js';
import { applyWrite } from './writer.js';
import type { WriteOutcome, WriteRequest, WriterConfig } from './writer.js';

/**
 * One queued change: an event write, or another change that must keep its place in the order
 * of calls (deleting a session). `counts` collects counter changes to be written once.
 */
export type QueuedChange = (tx: WriteTxn, counts: Counts) => unknown;

export function eventWrite(req: WriteRequest, cfg: WriterConfig): QueuedChange {
  return (tx, counts): WriteOutcome => applyWrite(tx, req, cfg, counts);
}

/**
 * A batch of changes inside one transaction, in the order they were called. Each is settled on
 * its own: one that throws (a damaged record found while reading) fails alone, having written
 * nothing — every change decides before its first write. The store-wide counters are read and
 * written once for the whole batch rather than once per write.
 */
export function applyBatch(tx: WriteTxn, batch: readonly QueuedChange[]): Array<Settled<unknown>> {
  const counts = zeroCounts();
  const out = batch.map((change): Settled<unknown> => {
    try {
      return { ok: true, value: change(tx, counts) };
    } catch (error) {
      return { ok: false, error };
    }
  });
  adjustCounters(tx, counts);
  return out;
}
