import { PER_SESSION_TABLES, sidKey } from '../core/layout.js';
import type { Backend } from '../storage/backend.js';

/** Rows removed per write transaction while purging, so the write lock is never held for long. */
export const PURGE_BATCH = 2000;

/**
 * Removes every row of a deleted session (its sid is in `dead`), a bounded batch per
 * transaction. Idempotent and resumable: after a crash, the `dead` entry is still there and the
 * next purge finishes the job.
 */
export async function purgeSession(backend: Backend, sid: number): Promise<number> {
  let removed = 0;
  for (;;) {
    const n = await backend.write((tx) => {
      let left = PURGE_BATCH;
      for (const table of PER_SESSION_TABLES) {
        if (left === 0) break;
        const keys = [...tx.range(table, { low: [sid], high: [sid + 1], limit: left })].map((e) => e.key);
        for (const k of keys) tx.del(table, k);
        left -= keys.length;
      }
      const done = left > 0;
      if (done) tx.del('dead', sidKey(sid));
      return { count: PURGE_BATCH - left, done };
    });
    removed += n.count;
    if (n.done) return removed;
  }
}

/** Sids of deleted sessions whose rows are not all gone yet (a crash interrupted their purge). */
export function pendingPurges(backend: Backend): number[] {
  return backend.read((tx) => [...tx.range('dead', { low: [0], high: ['~'] })].map((e) => e.key[0] as number));
}
