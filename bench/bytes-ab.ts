import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SessionLog } from '../src/index.js';
import { inTempDir } from './measure.js';
import { prng, realisticMessage } from './realistic-messages.js';

/**
 * `node dist-dev/bench/bytes-ab.js [--memory] [DIR]`: the costs store format 2 may add (compressing chunks
 * at a checkpoint, inflating them on a first read), on varied messages (realistic-messages.ts),
 * for this build or the turnlog built in DIR (DIR/dist/src/index.js), so that two builds can be
 * run alternately. One session appended 1,000 messages one at a time (median append, median
 * append that checkpoints); then reads of the newest 100 and of all 1,000 messages, repeated
 * (warm: chunks cached), and once each in a freshly opened store (cold: chunks decoded). Medians.
 * `--memory`: the same appends and warm reads in the in-memory backend, where no commit waits
 * on a disk: what the write path costs on the event loop alone (no cold reads).
 */
type Open = (o: { path: string }) => SessionLog;
const memory = process.argv.includes('--memory');
const dir = process.argv.slice(2).find((a) => !a.startsWith('--'));
const mod = (await import(dir === undefined ? '../src/index.js' : pathToFileURL(join(dir, 'dist/src/index.js')).href)) as { openSessionLog: Open; openMemorySessionLog: () => SessionLog };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const us = (ms: number): number => Math.round(ms * 1000);

await inTempDir(async (tmp) => {
  const path = join(tmp, 'store');
  let log = memory ? mod.openMemorySessionLog() : mod.openSessionLog({ path });
  const r = prng(7);
  const plain: number[] = [];
  const sealing: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const m = realisticMessage(r, i, 's');
    const t0 = performance.now();
    await log.addFullMessage('k', m);
    ((i + 1) % 32 === 0 ? sealing : plain).push(performance.now() - t0);
  }
  const time = async (fn: () => Promise<unknown>, n: number): Promise<number> => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await fn();
      xs.push(performance.now() - t0);
    }
    return median(xs);
  };
  const warm100 = await time(() => log.getHistory('k', { last: 100 }), 300);
  const warm1000 = await time(() => log.getHistory('k'), 100);
  await log.close();
  const cold100: number[] = [];
  const cold1000: number[] = [];
  for (let i = 0; i < (memory ? 0 : 15); i++) {
    log = mod.openSessionLog({ path });
    cold100.push(await time(() => log.getHistory('k', { last: 100 }), 1));
    await log.close();
    log = mod.openSessionLog({ path });
    cold1000.push(await time(() => log.getHistory('k'), 1));
    await log.close();
  }
  const out = { build: `${dir ?? 'this'}${memory ? ' (memory)' : ''}`, appendUs: us(median(plain)), checkpointAppendUs: us(median(sealing)), read100WarmUs: us(warm100), read1000WarmUs: us(warm1000), ...(memory ? {} : { read100ColdUs: us(median(cold100)), read1000ColdUs: us(median(cold1000)) }) };
  process.stdout.write(`${JSON.stringify(out)}\n`);
});
