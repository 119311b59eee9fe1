import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { open } from 'lmdb';
import type { RootDatabase } from 'lmdb';
import { median, nowUs } from './measure.js';

/**
 * What the LMDB binding's own write paths cost a lone writer, with nothing of turnlog above
 * them: one 500-byte put per commit, each awaited, all in one store opened as turnlog opens it
 * (overlappingSync). The paths take turns commit by commit, so a busy machine slows them alike.
 * The synchronous transaction commits on the JavaScript thread; the binding's asynchronous paths
 * hand the commit to its write thread and back, which is what keeping the event loop free costs;
 * the last path is the other way to keep it free: a worker thread of the process, with its own
 * handle on the store, commits synchronously and answers by message.
 *
 * `npm run build:dev && node dist-dev/bench/binding-hops.js`
 */
type Db = RootDatabase<Uint8Array, string>;
const VALUE = new Uint8Array(500);
const COMMITS = 1500;
const WARM_UP = 200;
const openStore = (path: string): Db => open<Uint8Array, string>({ path, overlappingSync: true, encoding: 'binary', cache: false });

if (!isMainThread) {
  // The worker: commits each put it is sent in a synchronous transaction, then answers.
  const db = openStore(workerData as string);
  parentPort?.on('message', (key: string) => {
    db.transactionSync(() => db.putSync(key, VALUE));
    parentPort?.postMessage(key);
  });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-hops-'));
  const db = openStore(dir);
  const worker = new Worker(new URL(import.meta.url), { workerData: dir });
  const answers = new Map<string, () => void>();
  worker.on('message', (key: string) => answers.get(key)?.());
  const viaWorker = (key: string): Promise<void> =>
    new Promise((resolve) => {
      answers.set(key, () => (answers.delete(key), resolve()));
      worker.postMessage(key);
    });
  const paths: Array<[string, (k: string) => unknown]> = [
    ['transactionSync (JavaScript thread)', (k) => db.transactionSync(() => db.putSync(k, VALUE))],
    ['transaction(callback) (write thread)', (k) => db.transaction(() => db.putSync(k, VALUE))],
    ['childTransaction (write thread)', (k) => db.childTransaction(() => db.putSync(k, VALUE))],
    ['childTransaction + flushed (turnlog)', async (k) => (await db.childTransaction(() => db.putSync(k, VALUE)), await db.flushed)],
    ['put (write thread)', (k) => db.put(k, VALUE)],
    ['worker thread, synchronous commit', viaWorker],
  ];
  const times = paths.map((): number[] => []);
  try {
    for (let i = 0; i < COMMITS; i++) {
      for (const [p, [name, commit]] of paths.entries()) {
        const started = nowUs();
        await commit(`${name}:${i}`);
        if (i >= WARM_UP) times[p]?.push(nowUs() - started);
      }
    }
  } finally {
    await worker.terminate();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = median(times[0] ?? []);
  for (const [p, [name]] of paths.entries()) {
    const m = median(times[p] ?? []);
    process.stdout.write(`${name.padEnd(40)} p50 ${Math.round(m)} µs  ${(m / base).toFixed(2)}× the synchronous commit\n`);
  }
}
