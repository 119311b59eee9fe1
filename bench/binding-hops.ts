import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import type { RootDatabase } from 'lmdb';
import { median, nowUs } from './measure.js';

/**
 * What the LMDB binding's own write paths cost a lone writer, with nothing of turnlog above
 * them: one 500-byte put per commit, each awaited, on a fresh store (overlappingSync as turnlog
 * opens it). The synchronous transaction commits on the JavaScript thread; the others hand the
 * commit to the binding's write thread and back, which is what keeping the event loop free costs.
 *
 * `npm run build:dev && node dist-dev/bench/binding-hops.js`
 */
type Db = RootDatabase<Uint8Array, string>;
const VALUE = new Uint8Array(500);
const COMMITS = 600;
const WARM_UP = 100;

const PATHS: Array<[string, (db: Db, key: string) => unknown]> = [
  ['transactionSync (JavaScript thread)', (db, k) => db.transactionSync(() => db.putSync(k, VALUE))],
  ['transaction(callback) (write thread)', (db, k) => db.transaction(() => db.putSync(k, VALUE))],
  ['childTransaction (write thread)', (db, k) => db.childTransaction(() => db.putSync(k, VALUE))],
  ['put (write thread)', (db, k) => db.put(k, VALUE)],
];

for (const [name, commit] of PATHS) {
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-hops-'));
  const db = open<Uint8Array, string>({ path: dir, overlappingSync: true, encoding: 'binary', cache: false });
  const times: number[] = [];
  try {
    for (let i = 0; i < COMMITS; i++) {
      const started = nowUs();
      await commit(db, `k${i}`);
      if (i >= WARM_UP) times.push(nowUs() - started);
    }
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${name.padEnd(40)} p50 ${Math.round(median(times))} µs\n`);
}
