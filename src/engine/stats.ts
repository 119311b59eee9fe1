import { STORE_FORMAT } from '../core/codec.js';
import { PROJECTION_FORMAT } from '../core/projection.js';
import type { Backend, BackendStats } from '../storage/backend.js';
import { readCounters } from './counters.js';

export interface SessionLogStats {
  /** Live sessions. */
  sessions: number;
  /** Event records held (including those of deleted sessions not yet purged). */
  events: number;
  /** Bytes of events, checkpoints and chunks (record values). */
  logBytes: number;
  /** Of those, bytes no current state needs: events and checkpoints behind each session's newest checkpoint. GC collects them once outside the replay window. */
  deadBytes: number;
  /** logBytes − deadBytes. */
  liveBytes: number;
  /** Sessions deleted or expired whose rows are still being removed. */
  pendingPurges: number;
  format: { store: number; projection: number };
  /** What the storage engine reports: for LMDB, file size, pages in use and free, readers. */
  storage: BackendStats;
}

export function collectStats(backend: Backend): SessionLogStats {
  const counts = backend.read((tx) => ({
    ...readCounters(tx),
    pendingPurges: [...tx.range('dead', { low: [-Number.MAX_VALUE], high: ['~'], limit: 10_000 })].length,
  }));
  const deadBytes = Math.min(counts.deadBytes, counts.logBytes);
  return {
    ...counts,
    deadBytes,
    liveBytes: counts.logBytes - deadBytes,
    format: { store: STORE_FORMAT, projection: PROJECTION_FORMAT },
    storage: backend.stats(),
  };
}
