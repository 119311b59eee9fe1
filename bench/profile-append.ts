import { join } from 'node:path';
import { openSessionLogOn } from '../src/open.js';
import { LmdbBackend } from '../src/storage/lmdb-backend.js';
import type { Backend, ReadTxn, WriteTxn } from '../src/storage/backend.js';
import { inTempDir, median, nowUs } from './measure.js';
import { message } from './workload.js';

/**
 * `npm run bench:profile`: where an append's time goes, for a lone writer and for a gateway.
 * The LMDB backend is wrapped so the time inside `write()` (commit included) and inside the
 * transaction body (turnlog's reads, decisions and puts) are told apart from the rest (input
 * validation, encoding, batching and promise hops).
 */
class TimedBackend implements Backend {
  readonly kind = 'lmdb-timed';
  writeUs: number[] = [];
  bodyUs: number[] = [];
  constructor(private readonly inner: LmdbBackend) {}
  read<T>(fn: (tx: ReadTxn) => T): T {
    return this.inner.read(fn);
  }
  write<T>(fn: (tx: WriteTxn) => T): Promise<T> {
    const s = nowUs();
    const p = this.inner.write((tx) => {
      const b = nowUs();
      try {
        return fn(tx);
      } finally {
        this.bodyUs.push(nowUs() - b);
      }
    });
    this.writeUs.push(nowUs() - s);
    return p;
  }
  stats() {
    return this.inner.stats();
  }
  close() {
    return this.inner.close();
  }
}

async function profile(sessions: number, appends: number): Promise<string> {
  return inTempDir(async (dir) => {
    const backend = new TimedBackend(new LmdbBackend({ path: join(dir, 's'), create: true, now: Date.now(), checkOnOpen: 'auto', encryptionKey: undefined }));
    const log = openSessionLogOn(backend);
    const total: number[] = [];
    const run = async (n: number, timed: boolean) =>
      Promise.all(
        Array.from({ length: sessions }, async (_, k) => {
          for (let i = 0; i < n; i++) {
            const s = nowUs();
            await log.addFullMessage(`s${k}`, message(i));
            if (timed) total.push(nowUs() - s);
          }
        }),
      );
    await run(50, false);
    backend.writeUs = [];
    backend.bodyUs = [];
    const s = nowUs();
    await run(appends, true);
    const wall = nowUs() - s;
    await log.close();
    const per = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / (sessions * appends);
    const commit = per(backend.writeUs) - per(backend.bodyUs);
    return sessions === 1
      ? `lone writer: append p50 ${median(total).toFixed(0)} µs; per append: commit ${commit.toFixed(0)} µs, transaction body ${per(backend.bodyUs).toFixed(0)} µs, outside ${(wall / appends - per(backend.writeUs)).toFixed(0)} µs`
      : `${sessions} sessions: ${((sessions * appends) / (wall / 1e6)).toFixed(0)} appends/s; per append: commit ${commit.toFixed(1)} µs, transaction body ${per(backend.bodyUs).toFixed(1)} µs, outside ${(wall / (sessions * appends) - per(backend.writeUs)).toFixed(1)} µs; ${(backend.writeUs.length / (sessions * appends / 100)).toFixed(1)} commits per 100 appends`;
  });
}

process.stdout.write(`${await profile(1, 2000)}\n`);
process.stdout.write(`${await profile(100, 50)}\n`);
