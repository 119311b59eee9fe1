import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSessionLog } from '../src/open.js';
import { SqliteHistoryStore } from './peers/sqlite.js';
import { inTempDir, mean, nowUs, percentile } from './measure.js';
import { message } from './workload.js';

/**
 * `npm run build:dev && nice node dist-dev/bench/read-after-append.js [rounds] [--base=DIR]`: a
 * chat loop's read, one append then a `getHistory` of the whole session (100 to 132 messages),
 * for turnlog and SQLite FULL in turn in one process; with `--base`, also the turnlog of another
 * checkout built with `npm run build:dev` in DIR (before and after a change, side by side).
 * Prints p50 and mean of the first read after each append, and of a second read with no append
 * between (what a read costs once warm).
 */
const rounds = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 20);
const base = process.argv.find((a) => a.startsWith('--base='))?.slice(7);
type Store = { append(k: string, m: ReturnType<typeof message>): Promise<unknown>; history(k: string): unknown[] | Promise<unknown[]> };

/** A new session of 100 messages, then 32 appends (every distance from a checkpoint), each followed by two reads. */
async function pattern(s: Store, key: string, first: number[], second: number[]): Promise<void> {
  for (let i = 0; i < 100; i++) await s.append(key, message(i));
  for (let i = 0; i < 32; i++) {
    await s.append(key, message(100 + i));
    let t = nowUs();
    const h = await s.history(key);
    first.push((nowUs() - t) / 1000);
    t = nowUs();
    await s.history(key);
    second.push((nowUs() - t) / 1000);
    if (h.length < 100) throw new Error('short history');
  }
}

await inTempDir(async (dir) => {
  const log = openSessionLog({ path: join(dir, 'turnlog') });
  const sqlite = new SqliteHistoryStore(join(dir, 'read.db'), 'FULL');
  const stores: Record<string, Store> = {
    turnlog: { append: (k, m) => log.addFullMessage(k, m), history: (k) => log.getHistory(k) },
    'sqlite FULL': sqlite,
  };
  const others: Array<{ close(): Promise<void> }> = [];
  if (base !== undefined) {
    const open = ((await import(pathToFileURL(join(base, 'dist-dev/src/open.js')).href)) as { openSessionLog: typeof openSessionLog }).openSessionLog;
    const old = open({ path: join(dir, 'turnlog-base') });
    others.push(old);
    stores['turnlog base'] = { append: (k, m) => old.addFullMessage(k, m), history: (k) => old.getHistory(k) };
  }
  const first: Record<string, number[]> = {};
  const second: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    // The stores alternate, so drift in the machine hits both alike.
    for (const [name, s] of Object.entries(stores)) await pattern(s, `read-${r}`, (first[name] ??= []), (second[name] ??= []));
  }
  for (const name of Object.keys(stores)) {
    const f = first[name] as number[];
    const s = second[name] as number[];
    console.log(`${name.padEnd(12)} first read p50 ${percentile(f, 50).toFixed(3)} ms p90 ${percentile(f, 90).toFixed(3)} mean ${mean(f).toFixed(3)}  second read p50 ${percentile(s, 50).toFixed(3)} ms mean ${mean(s).toFixed(3)}`);
  }
  await log.close();
  await sqlite.close();
  for (const o of others) await o.close();
});
