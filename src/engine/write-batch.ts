import type { WriteTxn } from '../storage/backend.js';
import { adjustCounters, zeroCounts } from './counters.js';
import type { Settled } from './group-commit.js';
import { applyWrite } from './writer.js';
import type { WriteOutcome, WriteRequest, WriterConfig } from './writer.js';

/**
 * A batch of writes inside one transaction, in order. Each is settled on its own: one that
 * throws (a damaged record found while reading) fails alone, having written nothing — applyWrite
 * decides everything before its first write. The store-wide counters are read and written once
 * for the whole batch rather than once per write.
 */
export function applyBatch(tx: WriteTxn, batch: readonly WriteRequest[], cfg: WriterConfig): Array<Settled<WriteOutcome>> {
  const counts = zeroCounts();
  const out = batch.map((req): Settled<WriteOutcome> => {
    try {
      return { ok: true, value: applyWrite(tx, req, cfg, counts) };
    } catch (error) {
      return { ok: false, error };
    }
  });
  adjustCounters(tx, counts);
  return out;
}
