import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openSessionLog } from '../src/open.js';
import type { Message } from '../src/types.js';
import { inTempDir, mean, median, nowUs } from './measure.js';
import { conversation, message } from './workload.js';

/**
 * `npm run build:dev && node dist-dev/bench/history-before-after.js [--quick]`: a 100-message
 * `getHistory` on LMDB with the synchronous read API of commit 208fd20 (the last before reads
 * became promises) against the current asynchronous one, in one process, alternating. The old
 * commit's src is taken with `git archive` into a temporary directory and built there with this
 * checkout's TypeScript and node_modules (the same lmdb binding), so only turnlog's code differs.
 * Writes bench/results/history-before-after.json, which `npm run bench:report` puts in
 * docs/benchmarks.md. Apart from `npm run bench` because building the old commit takes a while.
 */
const BASELINE = '208fd20';
const MESSAGES = 100;
const quick = process.argv.includes('--quick');
const root = fileURLToPath(new URL('../..', import.meta.url));

interface Log {
  addFullMessage(key: string, m: Message): Promise<unknown>;
  getHistory(key: string): Message[] | Promise<Message[]>;
  close(): Promise<void>;
}
type Open = (o: { path: string }) => Log;

function buildBaseline(dir: string): void {
  execFileSync('sh', ['-c', `git -C "${root}" archive ${BASELINE} src tsconfig.json tsconfig.build.json package.json | tar -x -C "${dir}"`]);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
}

/** µs of one read, old (awaited only if it returned a promise, which it never did) or new (awaited). */
async function timeRead(log: Log, key: string, expected: number): Promise<number> {
  const s = nowUs();
  const h = log.getHistory(key);
  const messages = h instanceof Promise ? await h : h;
  const t = nowUs() - s;
  if (messages.length !== expected) throw new Error(`read ${messages.length} messages, expected ${expected}`);
  return t;
}

async function seed(log: Log, key: string): Promise<void> {
  await Promise.all(conversation(MESSAGES).map((m) => log.addFullMessage(key, m)));
}

const started = nowUs();
const build = mkdtempSync(join(tmpdir(), 'turnlog-baseline-'));
try {
  process.stderr.write(`building ${BASELINE}'s src in ${build}\n`);
  buildBaseline(build);
  const old = (await import(pathToFileURL(join(build, 'dist/src/index.js')).href)) as { openSessionLog: Open };
  const result = await inTempDir(async (dir) => {
    const before = old.openSessionLog({ path: join(dir, 'before') });
    const after = openSessionLog({ path: join(dir, 'after') }) as unknown as Log;
    try {
      // Hot: the same 100-message history read again and again (what a gateway's turns do between
      // appends), in blocks, the order of the two APIs alternating block by block.
      await seed(before, 'hot');
      await seed(after, 'hot');
      const hot = { before: [] as number[], after: [] as number[] };
      const blocks = quick ? 20 : 400;
      for (let b = 0; b < blocks; b++) {
        const order = b % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
        for (const side of order) {
          const log = side === 'before' ? before : after;
          for (let r = 0; r < 25; r++) hot[side].push(await timeRead(log, 'hot', MESSAGES));
        }
      }
      // After an append: scenario 3's pattern (one append, then three reads, 32 times) on fresh
      // 100-message sessions, so reads meet every distance from the last checkpoint.
      const appended = { before: [] as number[], after: [] as number[] };
      const sessions = quick ? 2 : 20;
      for (let k = 0; k < sessions; k++) {
        await seed(before, `a${k}`);
        await seed(after, `a${k}`);
        for (let i = 0; i < 32; i++) {
          const order = (k + i) % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
          for (const side of order) {
            const log = side === 'before' ? before : after;
            await log.addFullMessage(`a${k}`, message(MESSAGES + i));
            for (let r = 0; r < 3; r++) appended[side].push(await timeRead(log, `a${k}`, MESSAGES + i + 1));
          }
        }
      }
      return {
        hotMedianUs: { before: median(hot.before), after: median(hot.after) },
        hotMeanUs: { before: mean(hot.before), after: mean(hot.after) },
        afterAppendMeanUs: { before: mean(appended.before), after: mean(appended.after) },
        afterAppendMedianUs: { before: median(appended.before), after: median(appended.after) },
        reads: { hot: hot.before.length, afterAppend: appended.before.length },
      };
    } finally {
      await before.close();
      await after.close();
    }
  });
  const out = {
    date: new Date().toISOString(),
    quick,
    baseline: BASELINE,
    messages: MESSAGES,
    command: 'npm run build:dev && node dist-dev/bench/history-before-after.js',
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    node: process.version,
    ...result,
    durationSec: (nowUs() - started) / 1e6,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results', quick ? 'history-before-after.quick.json' : 'history-before-after.json');
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  const f = (x: number) => x.toFixed(1);
  process.stdout.write(
    `getHistory(${MESSAGES} msgs) on LMDB, µs per read, before (${BASELINE}, sync) → after (async):\n` +
      `  hot, median:          ${f(result.hotMedianUs.before)} → ${f(result.hotMedianUs.after)}\n` +
      `  hot, mean:            ${f(result.hotMeanUs.before)} → ${f(result.hotMeanUs.after)}\n` +
      `  after append, mean:   ${f(result.afterAppendMeanUs.before)} → ${f(result.afterAppendMeanUs.after)}\n` +
      `  after append, median: ${f(result.afterAppendMedianUs.before)} → ${f(result.afterAppendMedianUs.after)}\n` +
      `results: ${file} (${f(out.durationSec)} s)\n`,
  );
} finally {
  rmSync(build, { recursive: true, force: true });
}
