import { indexPeers } from '../peers/index.js';
import { inTempDir, median, nowUs, progress } from '../measure.js';
import { sessionEntry } from '../workload.js';

/** Scenario 5: newest 50 sessions, and one metadata update, at each store size. */
export interface ListRow {
  peer: string;
  durability: string;
  /** Sessions → median ms of listing the newest 50. */
  listMs: Record<string, number>;
  /** Sessions → median ms of one metadata update. */
  updateMs: Record<string, number>;
}

export async function sessionsList(sizes: readonly number[]): Promise<ListRow[]> {
  const rows: ListRow[] = [];
  for (const p of indexPeers()) {
    const listMs: Record<string, number> = {};
    const updateMs: Record<string, number> = {};
    let durability = '';
    for (const size of sizes) {
      progress(`list: ${p.name} at ${size} sessions`);
      await inTempDir(async (dir) => {
        const store = await p.open(dir);
        durability = store.durability;
        try {
          await store.seed(size, sessionEntry);
          const u: number[] = [];
          for (let i = 0; i < 5; i++) {
            const key = `s:${(i * 7919) % size}`;
            const s = nowUs();
            await store.update(key, { lastChannel: 'slack', inputTokens: 20_000 + i });
            u.push((nowUs() - s) / 1000);
            // Updates within one millisecond tie on time, so the last one is among the newest few.
            if (!(await store.newest(5)).includes(key)) throw new Error(`${p.name}: the session just updated (${key}) is not among the newest`);
          }
          const l: number[] = [];
          for (let i = 0; i < 20; i++) {
            const s = nowUs();
            const page = await store.newest(50);
            l.push((nowUs() - s) / 1000);
            if (page.length !== Math.min(50, size)) throw new Error(`${p.name}: listed ${page.length} sessions`);
          }
          listMs[size] = median(l);
          updateMs[size] = median(u);
        } finally {
          await store.close();
        }
      });
    }
    rows.push({ peer: p.name, durability, listMs, updateMs });
  }
  return rows;
}
