import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { measureCadence } from './core-costs.js';
import { measureImport } from './import-speed.js';

/**
 * `npm run bench:core [-- --quick]`. Writes bench/results/core-costs.json (checkpoint cadence, import speed) and prints a table; GC and churn are scenario 8 of `npm run bench`.
 * --quick runs toy sizes in seconds to keep the harness working (no numbers to quote).
 */
const quick = process.argv.includes('--quick');
const cadences = quick ? [4, 32] : [1, 4, 8, 16, 32, 64, 128, 256];
const big = quick ? 1_000 : 10_000;
const results = [];
for (const c of cadences) {
  const r = await measureCadence(c, big);
  results.push(r);
  process.stdout.write(
    `checkpointEvery ${String(c).padStart(3)}: append ${r.appendFlushedUs.toFixed(0)} µs (flushed); ` +
      `getHistory 100 msgs ${r.read100Ms.toFixed(3)} ms, ${big} msgs ${r.read10kMs.toFixed(2)} ms; file ${r.fileBytesPerMessage.toFixed(0)} B/msg\n`,
  );
}
const imported = await measureImport(quick ? 50 : 1_000, 20);
process.stdout.write(
  `Import: ${imported.sessions} picoclaw sessions × ${imported.messages} messages in ${imported.ms.toFixed(0)} ms (flushed); re-run (nothing new) ${imported.again.toFixed(0)} ms\n`,
);
const out = {
  date: new Date().toISOString(),
  quick,
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  visibleMessagesBig: big,
  cadences: results,
  import: imported,
};
mkdirSync(new URL('../../bench/results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`../../bench/results/${quick ? 'core-costs.quick.json' : 'core-costs.json'}`, import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
