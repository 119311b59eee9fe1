import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Message } from '../src/types.js';
import { inTempDir, median, nowUs, percentile, progress } from './measure.js';
import { buildSyncDelay, DISK_PROFILES, profileEnv } from './sync-delay.js';
import type { DiskProfile } from './sync-delay.js';
import { message } from './workload.js';

/**
 * Commits off the event loop, before and after, side by side: the write path of commit 6079a32
 * (every batch one synchronous LMDB transaction on the JavaScript thread, its disk sync
 * included) against this checkout's (the commit and its sync on the binding's write thread).
 * The old src is taken with `git archive` into a temporary directory and built there with this
 * checkout's TypeScript and node_modules (the same lmdb binding), as history-before-after does.
 * Every measurement runs in a child process of its own, on each disk profile of sync-delay.ts
 * (the slow ones through the preload library), the two sides alternating, several rounds each
 * (the median is reported), so drift in a shared machine hits both sides alike.
 *
 * Per profile and side (durability 'flushed', the default of both): the paced gateway (100
 * sessions, 2,000 appends/s in all) with perf_hooks' event-loop delay at 1 ms resolution; the
 * saturated gateway (100 sessions, each awaiting its own appends) in appends/s; the single agent
 * (one session, each append awaited) p50/p99. On the local disk also the longest event-loop block during a GC of a large
 * store (one long session collected, many idle sessions expired) and during verify().
 *
 * `npm run build:dev && node dist-dev/bench/commit-offloop.js [--quick]`
 */
export const BASELINE = '6079a32';
const root = fileURLToPath(new URL('../..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const SESSIONS = 100;

type Side = 'before' | 'after';

interface Log {
  addFullMessage(key: string, m: Message): Promise<unknown>;
  addMessages(key: string, m: Message[]): Promise<unknown>;
  gc(o?: { now?: number }): Promise<{ transactions: number; longestTransactionMs: number }>;
  verify(): Promise<{ ok: boolean }>;
  close(): Promise<void>;
}
type Open = (o: Record<string, unknown>) => Log;

interface Job {
  module: string;
  /** 'slow-writer' appends until killed; 'neighbour' times its appends to the same store meanwhile. */
  work: 'writes' | 'maintenance' | 'slow-writer' | 'neighbour';
  quick: boolean;
  /** The store of 'slow-writer' and 'neighbour'. */
  path?: string;
}

export interface WriteFigures {
  /** Paced gateway, event-loop delay in ms (perf_hooks, 1 ms resolution). */
  pacedLoopP50Ms: number;
  pacedLoopP99Ms: number;
  pacedLoopMaxMs: number;
  /** Appends/s the paced gateway reached (2,000 asked). */
  pacedAppendsPerSec: number;
  saturatedAppendsPerSec: number;
  saturatedLoopP99Ms: number;
  singleP50Us: number;
  singleP99Us: number;
}

export interface MaintenanceFigures {
  /** Longest event-loop block (ms) while GC collects one long session's old events. */
  gcCompactBlockMs: number;
  /** … while GC expires many idle sessions (their purges included). */
  gcExpireBlockMs: number;
  /** … while verify() reads the whole store. */
  verifyBlockMs: number;
  gcCompactSeconds: number;
  gcExpireSeconds: number;
  verifySeconds: number;
}

/** A writer on the local disk while another process writes the same store on a +8 ms disk. */
export interface NeighbourFigures {
  p50Us: number;
  p99Us: number;
}

export interface CommitOffLoopRow extends WriteFigures {
  profile: string;
  syncDelayUs: number;
  side: Side;
}

export interface CommitOffLoopResult {
  baseline: string;
  rounds: number;
  /** Why the slow-disk profiles were skipped, if they were. */
  skipped?: string;
  rows: CommitOffLoopRow[];
  maintenance: Array<MaintenanceFigures & { side: Side }>;
  /** What the slow disk of one process costs another process's writes to the same store. */
  neighbour: Array<NeighbourFigures & { side: Side }>;
}

// ---- the child: one side, one disk ----

async function loadOpen(module: string): Promise<Open> {
  return ((await import(pathToFileURL(module).href)) as { openSessionLog: Open }).openSessionLog;
}

const ms = (ns: number): number => Number((ns / 1e6).toFixed(2));
const sleep = (t: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, t));

async function writes(open: Open, quick: boolean): Promise<WriteFigures> {
  return inTempDir(async (dir) => {
    const log = open({ path: join(dir, 's') });
    try {
      for (let s = 0; s < SESSIONS; s++) await log.addFullMessage(`gw:${s}`, message(0, `s${s}`));
      // Paced: each session appends every 50 ms (100 × 20/s = 2,000/s), its start spread over
      // the period; a session that falls behind catches up without waiting.
      const seconds = quick ? 2 : 5;
      const period = (SESSIONS / 2000) * 1000;
      const h = monitorEventLoopDelay({ resolution: 1 });
      let paced = 0;
      const started = performance.now();
      h.enable();
      await Promise.all(
        Array.from({ length: SESSIONS }, async (_, s) => {
          for (let i = 1; ; i++) {
            const due = started + (s / SESSIONS) * period + i * period;
            if (due > started + seconds * 1000) return;
            const wait = due - performance.now();
            if (wait > 0) await sleep(wait);
            await log.addFullMessage(`gw:${s}`, message(i, `s${s}`));
            paced++;
          }
        }),
      );
      h.disable();
      const pacedSec = (performance.now() - started) / 1000;
      const paced99 = { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
      // Saturated: every session appends as fast as its own writes resolve.
      const perSession = quick ? 40 : 150;
      const hs = monitorEventLoopDelay({ resolution: 1 });
      hs.enable();
      const s0 = nowUs();
      await Promise.all(
        Array.from({ length: SESSIONS }, async (_, s) => {
          for (let i = 0; i < perSession; i++) await log.addFullMessage(`sat:${s}`, message(i, `s${s}`));
        }),
      );
      const satSec = (nowUs() - s0) / 1e6;
      hs.disable();
      // Single agent: one session, each append awaited, for about two seconds (at least 50).
      const t: number[] = [];
      for (let i = 0; i < 10; i++) await log.addFullMessage('warm-up', message(i));
      const a0 = nowUs();
      for (let i = 0; i < (quick ? 200 : 1000) && (i < 50 || nowUs() - a0 < (quick ? 1 : 2) * 1e6); i++) {
        const s = nowUs();
        await log.addFullMessage('agent', message(i));
        t.push(nowUs() - s);
      }
      return {
        pacedLoopP50Ms: paced99.p50,
        pacedLoopP99Ms: paced99.p99,
        pacedLoopMaxMs: paced99.max,
        pacedAppendsPerSec: Math.round(paced / pacedSec),
        saturatedAppendsPerSec: Math.round((SESSIONS * perSession) / satSec),
        saturatedLoopP99Ms: ms(hs.percentile(99)),
        singleP50Us: Math.round(median(t)),
        singleP99Us: Math.round(percentile(t, 99)),
      };
    } finally {
      await log.close();
    }
  });
}

/** The longest the event loop was kept from turning while `work` ran (ms), and how long it ran (s). */
async function blockDuring(work: () => Promise<unknown>): Promise<{ blockMs: number; seconds: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let longest = 0;
  let running = true;
  const tick = (): void => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  h.enable();
  setImmediate(tick);
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  running = false;
  h.disable();
  return { blockMs: Number(Math.max(longest, h.max / 1e6).toFixed(1)), seconds: Number(seconds.toFixed(2)) };
}

async function maintenance(open: Open, quick: boolean): Promise<MaintenanceFigures> {
  return inTempDir(async (dir) => {
    let now = 1_700_000_000_000;
    const log = open({ path: join(dir, 's'), clock: () => now, replayWindow: 0, ttl: '1d', maxExpireShare: 1 });
    try {
      const events = quick ? 20_000 : 100_000;
      const sessions = quick ? 5_000 : 20_000;
      for (let i = 0; i < events; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => log.addFullMessage('long', { role: j % 2 ? 'assistant' : 'user', content: `message ${i + j}` })));
      now += 1000;
      const compact = await blockDuring(() => log.gc());
      for (let s = 0; s < sessions; s += 1000) {
        await Promise.all(Array.from({ length: 1000 }, (_, i) => log.addMessages(`idle:${s + i}`, [{ role: 'user', content: `hello ${s + i}` }, { role: 'assistant', content: 'hi' }])));
      }
      const verify = await blockDuring(() => log.verify());
      now += 2 * 86_400_000;
      const expire = await blockDuring(() => log.gc());
      return {
        gcCompactBlockMs: compact.blockMs,
        gcExpireBlockMs: expire.blockMs,
        verifyBlockMs: verify.blockMs,
        gcCompactSeconds: compact.seconds,
        gcExpireSeconds: expire.seconds,
        verifySeconds: verify.seconds,
      };
    } finally {
      await log.close();
    }
  });
}

/** Appends to its own sessions, eight at a time, until killed; says 'ready' after the first. */
async function slowWriter(open: Open, job: Job): Promise<void> {
  const log = open({ path: job.path });
  for (let i = 0; ; i++) {
    await Promise.all(Array.from({ length: 8 }, (_, s) => log.addFullMessage(`slow:${s}`, message(i, `s${s}`))));
    if (i === 0) process.stdout.write('ready\n');
  }
}

async function neighbour(open: Open, job: Job): Promise<NeighbourFigures> {
  const log = open({ path: job.path });
  try {
    const t: number[] = [];
    const t0 = nowUs();
    for (let i = 0; i < 300 && (i < 30 || nowUs() - t0 < (job.quick ? 1 : 3) * 1e6); i++) {
      const s = nowUs();
      await log.addFullMessage('neighbour', message(i));
      t.push(nowUs() - s);
    }
    return { p50Us: Math.round(median(t)), p99Us: Math.round(percentile(t, 99)) };
  } finally {
    await log.close();
  }
}

async function child(job: Job): Promise<void> {
  const open = await loadOpen(job.module);
  if (job.work === 'slow-writer') return slowWriter(open, job);
  const out =
    job.work === 'writes' ? await writes(open, job.quick) : job.work === 'neighbour' ? await neighbour(open, job) : await maintenance(open, job.quick);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

// ---- the parent ----

function buildBaseline(dir: string): void {
  execFileSync('sh', ['-c', `git -C "${root}" archive ${BASELINE} src tsconfig.json tsconfig.build.json package.json | tar -x -C "${dir}"`], { stdio: ['ignore', 'ignore', 'pipe'] });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
}

function runChild<T>(job: Job, env: NodeJS.ProcessEnv): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [SELF, '--child', JSON.stringify(job)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`benchmark child (${job.work}, ${job.module}) exited with ${code}`));
      else resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '') as T);
    });
  });
}

/** Per field, the median over the rounds. */
function medianOf<T extends object>(runs: T[]): T {
  const first = runs[0] as Record<string, number>;
  const out: Record<string, number> = {};
  for (const k of Object.keys(first)) out[k] = median(runs.map((r) => (r as Record<string, number>)[k] as number));
  return out as T;
}

/** One process writes on a +8 ms disk without pause; another, on the local disk, times its appends to the same store. */
async function withSlowNeighbour(job: Job, slowEnv: NodeJS.ProcessEnv): Promise<NeighbourFigures> {
  return inTempDir(async (dir) => {
    const path = join(dir, 's');
    const slow = spawn(process.execPath, [SELF, '--child', JSON.stringify({ ...job, work: 'slow-writer', path })], { env: slowEnv, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        slow.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        slow.on('close', (code) => reject(new Error(`slow writer exited with ${code}`)));
      });
      return await runChild<NeighbourFigures>({ ...job, work: 'neighbour', path }, { ...process.env });
    } finally {
      slow.kill('SIGKILL');
    }
  });
}

const sidesOf = (i: number): Side[] => (i % 2 === 0 ? ['before', 'after'] : ['after', 'before']);

export async function commitOffLoop(quick: boolean): Promise<CommitOffLoopResult> {
  const build = mkdtempSync(join(tmpdir(), 'turnlog-baseline-'));
  try {
    progress(`building ${BASELINE}'s src in ${build}`);
    buildBaseline(build);
    const modules: Record<Side, string> = { before: join(build, 'dist/src/open.js'), after: fileURLToPath(new URL('../src/open.js', import.meta.url)) };
    const lib = buildSyncDelay();
    const profiles: DiskProfile[] = 'preloadPath' in lib ? [...DISK_PROFILES] : DISK_PROFILES.filter((p) => p.syncDelayUs === 0);
    const rounds = quick ? 1 : 3;
    const rows: CommitOffLoopRow[] = [];
    for (const profile of profiles) {
      const env = 'preloadPath' in lib ? profileEnv(profile, lib.preloadPath) : { ...process.env };
      const runs: Record<Side, WriteFigures[]> = { before: [], after: [] };
      for (let r = 0; r < rounds; r++) {
        for (const side of sidesOf(r)) {
          progress(`${profile.name}, ${side}, round ${r + 1}/${rounds}`);
          runs[side].push(await runChild<WriteFigures>({ module: modules[side], work: 'writes', quick }, env));
        }
      }
      for (const side of ['before', 'after'] as const) rows.push({ profile: profile.name, syncDelayUs: profile.syncDelayUs, side, ...medianOf(runs[side]) });
    }
    const maintenance: CommitOffLoopResult['maintenance'] = [];
    for (const side of ['before', 'after'] as const) {
      progress(`GC and verify, ${side}`);
      maintenance.push({ side, ...(await runChild<MaintenanceFigures>({ module: modules[side], work: 'maintenance', quick }, { ...process.env })) });
    }
    const neighbourRows: CommitOffLoopResult['neighbour'] = [];
    const slowest = DISK_PROFILES.at(-1) as DiskProfile;
    if ('preloadPath' in lib) {
      const runs: Record<Side, NeighbourFigures[]> = { before: [], after: [] };
      for (let r = 0; r < rounds; r++) {
        for (const side of sidesOf(r)) {
          progress(`a writer beside a ${slowest.name} writer, ${side}, round ${r + 1}/${rounds}`);
          runs[side].push(await withSlowNeighbour({ module: modules[side], work: 'neighbour', quick }, profileEnv(slowest, lib.preloadPath)));
        }
      }
      for (const side of ['before', 'after'] as const) neighbourRows.push({ side, ...medianOf(runs[side]) });
    }
    return { baseline: BASELINE, rounds, ...('skipped' in lib ? { skipped: lib.skipped } : {}), rows, maintenance, neighbour: neighbourRows };
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}

/** The comparison as Markdown tables (the report's section 12 and this script's output). */
export function commitOffLoopTables(r: CommitOffLoopResult): string {
  const head = '| disk | side | loop p99 paced (ms) | loop max paced (ms) | paced appends/s | saturated appends/s | loop p99 saturated (ms) | single p50 (µs) | single p99 (µs) |';
  const lines = [head, `|${'---|'.repeat(9)}`];
  for (const x of r.rows) {
    lines.push(`| ${x.profile} | ${x.side} | ${x.pacedLoopP99Ms} | ${x.pacedLoopMaxMs} | ${x.pacedAppendsPerSec} | ${x.saturatedAppendsPerSec} | ${x.saturatedLoopP99Ms} | ${x.singleP50Us} | ${x.singleP99Us} |`);
  }
  lines.push('', '| side | GC compaction: longest block (ms) / s | GC expiry: longest block (ms) / s | verify: longest block (ms) / s |', '|---|---|---|---|');
  for (const m of r.maintenance) lines.push(`| ${m.side} | ${m.gcCompactBlockMs} / ${m.gcCompactSeconds} | ${m.gcExpireBlockMs} / ${m.gcExpireSeconds} | ${m.verifyBlockMs} / ${m.verifySeconds} |`);
  if (r.neighbour.length > 0) {
    lines.push('', '| beside a writer on a +8 ms disk (same store): side | neighbour append p50 (µs) | p99 (µs) |', '|---|---|---|');
    for (const n of r.neighbour) lines.push(`| ${n.side} | ${n.p50Us} | ${n.p99Us} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (process.argv[1] === SELF) {
  const at = process.argv.indexOf('--child');
  if (at >= 0) await child(JSON.parse(process.argv[at + 1] ?? '{}') as Job);
  else {
    const quick = process.argv.includes('--quick');
    const result = await commitOffLoop(quick);
    if (result.skipped !== undefined) process.stdout.write(`slow-disk profiles skipped: ${result.skipped}\n`);
    process.stdout.write(`commits off the event loop: ${BASELINE} (before) vs this checkout (after), median of ${result.rounds} round(s)\n${commitOffLoopTables(result)}`);
    if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
}
