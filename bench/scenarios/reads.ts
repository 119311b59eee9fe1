import { historyPeers } from '../peers/index.js';
import { inTempDir, mean, nowUs, progress } from '../measure.js';
import { conversation, message } from '../workload.js';

/**
 * Scenario 3: read a whole history of each size. Between reads one message is appended, 32
 * times, so a reader meets every distance from turnlog's last checkpoint (the average a real
 * reader sees, not the best case); every store gets the same sequence. Then the store is
 * reopened and read once more: the first read of a process, with nothing cached in memory.
 */
export interface ReadRow {
  peer: string;
  /** Visible messages → mean ms per read. */
  ms: Record<string, number>;
  /** Visible messages → ms of the first read by a newly opened store (nothing cached in memory). */
  firstMs: Record<string, number>;
}

export async function readHistory(sizes: readonly number[]): Promise<ReadRow[]> {
  const rows: ReadRow[] = [];
  for (const p of historyPeers()) {
    progress(`read: ${p.name}`);
    const ms: Record<string, number> = {};
    const firstMs: Record<string, number> = {};
    for (const size of sizes) {
      ms[size] = await inTempDir(async (dir) => {
        let store = await p.open(dir);
        try {
          await store.seed('read', conversation(size));
          // Warm-up for every store alike, so the first store measured does not pay for the JIT.
          for (let w = 0; w < 10; w++) await store.history('read');
          const t: number[] = [];
          for (let i = 0; i < 32; i++) {
            await store.append('read', message(size + i));
            for (let r = 0; r < 3; r++) {
              const s = nowUs();
              const h = await store.history('read');
              t.push((nowUs() - s) / 1000);
              if (h.length !== size + i + 1) throw new Error(`${p.name} read ${h.length} messages, expected ${size + i + 1}`);
            }
          }
          await store.close();
          store = await p.open(dir);
          const s = nowUs();
          await store.history('read');
          firstMs[size] = (nowUs() - s) / 1000;
          return mean(t);
        } finally {
          await store.close();
        }
      });
    }
    rows.push({ peer: p.name, ms, firstMs });
  }
  return rows;
}
