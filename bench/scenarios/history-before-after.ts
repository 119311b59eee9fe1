import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openSessionLog } from '../../src/open.js';
import type { Message } from '../../src/types.js';
import { inTempDir, mean, median, nowUs, progress } from '../measure.js';
import { conversation, message } from '../workload.js';

/**
 * Scenario 11: a 100-message `getHistory` on LMDB with the synchronous read API of commit
 * 208fd20 (the last before reads became promises) against the current asynchronous one, in one
 * process, alternating. The old commit's src is taken with `git archive` into a temporary
 * directory and built there with this checkout's TypeScript and node_modules (the same lmdb
 * binding), so only turnlog's code differs. Needs the repository's history (not a shallow clone).
 */
export const BASELINE = '208fd20';
const MESSAGES = 100;
const root = fileURLToPath(new URL('../../..', import.meta.url));

export interface HistoryBeforeAfter {
  baseline: string;
  messages: number;
  /** µs per read: the same history read again and again. */
  hotMedianUs: { before: number; after: number };
  hotMeanUs: { before: number; after: number };
  /** µs per read: one append, then three reads, as scenario 3 does. */
  afterAppendMedianUs: { before: number; after: number };
  afterAppendMeanUs: { before: number; after: number };
  reads: { hot: number; afterAppend: number };
}

interface Log {
  addFullMessage(key: string, m: Message): Promise<unknown>;
  getHistory(key: string): Message[] | Promise<Message[]>;
  close(): Promise<void>;
}
type Open = (o: { path: string }) => Log;

function buildBaseline(dir: string): void {
  execFileSync('sh', ['-c', `git -C "${root}" archive ${BASELINE} src tsconfig.json tsconfig.build.json package.json | tar -x -C "${dir}"`], { stdio: ['ignore', 'ignore', 'pipe'] });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
}

/** µs of one read: the old API returns the array, the new one a promise that is awaited. */
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

/** Both sides in turn, the order swapped every time, so drift in the machine hits both alike. */
const sides = (i: number) => (i % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const));

export async function historyBeforeAfter(quick: boolean): Promise<HistoryBeforeAfter> {
  const build = mkdtempSync(join(tmpdir(), 'turnlog-baseline-'));
  try {
    progress(`building ${BASELINE}'s src in ${build}`);
    buildBaseline(build);
    const old = (await import(pathToFileURL(join(build, 'dist/src/index.js')).href)) as { openSessionLog: Open };
    return await inTempDir(async (dir) => {
      const logs = { before: old.openSessionLog({ path: join(dir, 'before') }), after: openSessionLog({ path: join(dir, 'after') }) as unknown as Log };
      try {
        progress('getHistory before/after: hot reads');
        await seed(logs.before, 'hot');
        await seed(logs.after, 'hot');
        const hot = { before: [] as number[], after: [] as number[] };
        for (let b = 0; b < (quick ? 20 : 400); b++) {
          for (const side of sides(b)) for (let r = 0; r < 25; r++) hot[side].push(await timeRead(logs[side], 'hot', MESSAGES));
        }
        progress('getHistory before/after: reads after an append');
        const appended = { before: [] as number[], after: [] as number[] };
        for (let k = 0; k < (quick ? 2 : 20); k++) {
          await seed(logs.before, `a${k}`);
          await seed(logs.after, `a${k}`);
          for (let i = 0; i < 32; i++) {
            for (const side of sides(k + i)) {
              await logs[side].addFullMessage(`a${k}`, message(MESSAGES + i));
              for (let r = 0; r < 3; r++) appended[side].push(await timeRead(logs[side], `a${k}`, MESSAGES + i + 1));
            }
          }
        }
        return {
          baseline: BASELINE,
          messages: MESSAGES,
          hotMedianUs: { before: median(hot.before), after: median(hot.after) },
          hotMeanUs: { before: mean(hot.before), after: mean(hot.after) },
          afterAppendMedianUs: { before: median(appended.before), after: median(appended.after) },
          afterAppendMeanUs: { before: mean(appended.before), after: mean(appended.after) },
          reads: { hot: hot.before.length, afterAppend: appended.before.length },
        };
      } finally {
        await logs.before.close();
        await logs.after.close();
      }
    });
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}
