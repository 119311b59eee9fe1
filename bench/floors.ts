import { join } from 'node:path';
import { open } from 'lmdb';
import { median, nowUs } from './measure.js';

/**
 * What one small commit costs in the LMDB binding itself, measured beside the stores: one
 * 500-byte put per transaction, one awaited at a time, as a synchronous transaction (what
 * turnlog uses) and as the binding's asynchronous `transaction()` (what it used before). The
 * floor under turnlog's single-agent latency, next to one fdatasync.
 */
export interface LmdbFloors {
  syncCommitUs: number;
  asyncCommitUs: number;
}

export async function lmdbFloors(dir: string, n: number): Promise<LmdbFloors> {
  const root = open<Uint8Array, number>({ path: join(dir, 'floor'), encoding: 'binary', cache: false, overlappingSync: true });
  const value = new Uint8Array(500).fill(7);
  try {
    for (let i = 0; i < 50; i++) root.transactionSync(() => void root.putSync(i, value));
    const sync: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = nowUs();
      root.transactionSync(() => void root.putSync(i, value));
      sync.push(nowUs() - s);
    }
    const async: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = nowUs();
      await root.transaction(() => void root.putSync(i, value));
      async.push(nowUs() - s);
    }
    return { syncCommitUs: median(sync), asyncCommitUs: median(async) };
  } finally {
    await root.close();
  }
}
