import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nowUs } from './measure.js';
import { historyBeforeAfter } from './scenarios/history-before-after.js';

/**
 * `npm run build:dev && node dist-dev/bench/history-before-after.js [--quick]`: scenario 11 alone
 * (LMDB getHistory before and after the asynchronous read API; the full `npm run bench` runs it
 * too). Prints the numbers and writes bench/results/history-before-after.json.
 */
const quick = process.argv.includes('--quick');
const root = fileURLToPath(new URL('../..', import.meta.url));
const started = nowUs();
const result = await historyBeforeAfter(quick);
const file = join(root, 'bench/results', quick ? 'history-before-after.quick.json' : 'history-before-after.json');
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), quick, node: process.version, ...result, durationSec: (nowUs() - started) / 1e6 }, null, 2)}\n`);
const f = (x: number) => x.toFixed(1);
const line = (label: string, x: { before: number; after: number }) => `  ${label.padEnd(22)}${f(x.before)} → ${f(x.after)} (${(x.after / x.before).toFixed(2)}×)\n`;
process.stdout.write(
  `getHistory(${result.messages} msgs) on LMDB, µs per read, before (${result.baseline}, sync) → after (async):\n` +
    line('hot, median', result.hotMedianUs) +
    line('hot, mean', result.hotMeanUs) +
    line('after append, median', result.afterAppendMedianUs) +
    line('after append, mean', result.afterAppendMeanUs) +
    `results: ${file}\n`,
);
