import { join } from 'node:path';
import { open } from 'lmdb';
import type { Key } from 'lmdb';
import { median, nowUs } from './measure.js';

/**
 * What the LMDB binding itself costs, measured beside the stores.
 *
 * Single agent: one 500-byte put per transaction, one awaited at a time, as a synchronous
 * transaction (what turnlog uses) and as the binding's asynchronous `transaction()` (what it
 * used before). The floor under turnlog's single-agent latency, next to one fdatasync.
 *
 * Gateway: the storage work of a gateway append without any of turnlog's code — a 520-byte
 * event, a 150-byte head, the recency entry moved (one delete, one put) — for 100 sessions per
 * synchronous transaction, synced like `flushed`. Once with events keyed by [session, version]
 * (turnlog's layout: each session's events on their own B-tree pages, so a commit dirties a
 * page per session) and once keyed by append order (a commit's events share pages). The
 * ceiling for each layout, whatever the code above it.
 */
export interface LmdbFloors {
  syncCommitUs: number;
  asyncCommitUs: number;
  /** µs per append, events keyed per session (median batch ÷ 100). */
  gatewayPerSessionKeysUs?: number;
  /** µs per append, events keyed in append order. */
  gatewayAppendOrderKeysUs?: number;
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
    return {
      syncCommitUs: median(sync),
      asyncCommitUs: median(async),
      gatewayPerSessionKeysUs: await gatewayFloor(join(dir, 'gw-session'), 'per-session', Math.max(20, n / 4)),
      gatewayAppendOrderKeysUs: await gatewayFloor(join(dir, 'gw-order'), 'append-order', Math.max(20, n / 4)),
    };
  } finally {
    await root.close();
  }
}

const SESSIONS = 100;

async function gatewayFloor(path: string, layout: 'per-session' | 'append-order', batches: number): Promise<number> {
  const root = open<Uint8Array, Key>({ path, encoding: 'binary', cache: false, overlappingSync: true, maxDbs: 4 });
  const events = root.openDB<Uint8Array, Key>({ name: 'events', encoding: 'binary' });
  const heads = root.openDB<Uint8Array, Key>({ name: 'heads', encoding: 'binary' });
  const recent = root.openDB<Uint8Array, Key>({ name: 'recent', encoding: 'binary' });
  const event = new Uint8Array(520).fill(3);
  const head = new Uint8Array(150).fill(1);
  const none = new Uint8Array(0);
  const version = new Array<number>(SESSIONS).fill(0);
  const updated = new Array<number>(SESSIONS).fill(0);
  let seq = 0;
  let clock = 1;
  const batch = (): void =>
    root.transactionSync(() => {
      for (let s = 0; s < SESSIONS; s++) {
        const v = ++(version[s] as number);
        events.putSync(layout === 'per-session' ? [s, v] : [++seq], event);
        heads.putSync([s], head);
        recent.removeSync([updated[s] as number, s]);
        updated[s] = clock++;
        recent.putSync([updated[s] as number, s], none);
      }
    });
  try {
    // Warm up to a few hundred events per session, so the events tree has depth.
    for (let i = 0; i < batches * 2; i++) batch();
    const times: number[] = [];
    for (let i = 0; i < batches; i++) {
      const s = nowUs();
      batch();
      times.push(nowUs() - s);
    }
    return median(times) / SESSIONS;
  } finally {
    await root.close();
  }
}
