import type { Backend, WriteTxn } from '../storage/backend.js';
import { adjustCounters, zeroCounts } from './counters.js';
import type { Counts } from './counters.js';
import type { Transact } from './group-commit.js';

/**
 * What a queued change sees: the shared write transaction, and `counts`, where it adds its
 * counter changes (from its `apply` only) to be written once for the whole batch.
 */
export interface BatchContext {
  tx: WriteTxn;
  counts: Counts;
}

/**
 * A batch of changes inside one transaction, in the order they were called. The store-wide
 * counters are read and written once for the whole batch rather than once per write.
 */
export function batchTransaction(backend: Backend): Transact<BatchContext> {
  return (body) =>
    backend.write((tx) => {
      const counts = zeroCounts();
      body({ tx, counts });
      adjustCounters(tx, counts);
    });
}
