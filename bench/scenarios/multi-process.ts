import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { historyPeers } from '../peers/index.js';
import type { HistoryPeer } from '../peers/types.js';
import { PG_PEER } from '../peers/postgres.js';
import type { LoopDelay } from '../loop-delay.js';
import { inTempDir, nowUs, progress } from '../measure.js';

/**
 * Scenario 9 (on each disk profile, `timedWriters`) and 10: writer processes appending to one
 * store at once, each running concurrent sessions of its own. Timed from "go" to the last
 * "done". Only stores that are safe across processes take part: jsonl's and json's locks live
 * inside one process.
 */
export interface MultiProcessRow {
  peer: string;
  durability: string;
  appendsPerSec: number;
}

/** Scenario 10: appends/s of 1, 2, 4, 8… writer processes, each on sessions of its own. */
export interface WriterScalingRow {
  peer: string;
  durability: string;
  /** Writer processes → appends/s of all of them together. */
  appendsPerSec: Record<string, number>;
}

const child = fileURLToPath(new URL('./writer-child.js', import.meta.url));
const SAFE = ['turnlog flushed', PG_PEER, 'sqlite FULL', 'sqlite NORMAL'];

function waitFor(proc: ChildProcess, word: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    rl.on('line', (l) => {
      if (l === word) {
        rl.close();
        resolve();
      }
    });
    proc.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`writer exited with ${code}`))));
  });
}

/**
 * One timed run: `writers` child processes (each opening the store itself: its own LMDB
 * environment or its own PostgreSQL pool) append `perSession` messages to each of `sessions`
 * sessions of their own; every history is checked afterwards.
 */
async function runWriters(p: { name: string; open: HistoryPeer }, writers: number, sessions: number, perSession: number): Promise<{ durability: string; appendsPerSec: number }> {
  return inTempDir(async (dir) => {
    const probe = await p.open(dir);
    const durability = probe.durability;
    await probe.close();
    const procs = Array.from({ length: writers }, (_, w) =>
      spawn(process.execPath, [child, p.name, dir, String(w), String(sessions), String(perSession)], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    await Promise.all(procs.map((c) => waitFor(c, 'ready')));
    const start = nowUs();
    const done = Promise.all(procs.map((c) => waitFor(c, 'done')));
    for (const c of procs) c.stdin?.write('go\n');
    await done;
    const sec = (nowUs() - start) / 1e6;
    await Promise.all(procs.map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)))));
    const check = await p.open(dir);
    try {
      for (let w = 0; w < writers; w++) {
        for (let s = 0; s < sessions; s++) {
          const n = (await check.history(`w${w}:${s}`)).length;
          if (n !== perSession) throw new Error(`${p.name}: session w${w}:${s} has ${n} messages, expected ${perSession}`);
        }
      }
    } finally {
      await check.close();
    }
    return { durability, appendsPerSec: (writers * sessions * perSession) / sec };
  });
}

/** The stores compared in scenario 10: LMDB's one write lock against PostgreSQL's row locks. */
const SCALING = ['turnlog flushed', PG_PEER];

export async function writerScaling(counts: readonly number[], sessions: number, perSession: number): Promise<WriterScalingRow[]> {
  const rows: WriterScalingRow[] = [];
  for (const p of historyPeers().filter((x) => SCALING.includes(x.name))) {
    const appendsPerSec: Record<string, number> = {};
    let durability = '';
    for (const writers of counts) {
      progress(`writer scaling: ${p.name}, ${writers} writer processes`);
      const r = await runWriters(p, writers, sessions, perSession);
      durability = r.durability;
      appendsPerSec[writers] = r.appendsPerSec;
    }
    rows.push({ peer: p.name, durability, appendsPerSec });
  }
  return rows;
}

/** Scenario 9 on a disk profile: each writer for a fixed time, its event-loop delay reported. */
export interface TimedWritersResult {
  writers: number;
  sessions: number;
  seconds: number;
  appends: number;
  appendsPerSec: number;
  /** The worst of the writer processes' event-loop delay figures (ms). */
  loop: LoopDelay;
}

/**
 * `writers` child processes started with `env` (a disk profile's), each running `sessions`
 * sessions that append until `seconds` have passed; every session's history is then checked
 * against the count its writer reported.
 */
export async function timedWriters(p: { name: string; open: HistoryPeer }, writers: number, sessions: number, seconds: number, env: NodeJS.ProcessEnv): Promise<TimedWritersResult> {
  return inTempDir(async (dir) => {
    const probe = await p.open(dir);
    await probe.close();
    const procs = Array.from({ length: writers }, (_, w) =>
      spawn(process.execPath, [child, p.name, dir, String(w), String(sessions), '0', String(seconds)], { stdio: ['pipe', 'pipe', 'inherit'], env }),
    );
    const reports = procs.map(
      (c) =>
        new Promise<{ counts: number[]; loop: LoopDelay }>((resolve, reject) => {
          const rl = createInterface({ input: c.stdout as NodeJS.ReadableStream });
          let done = false;
          rl.on('line', (l) => {
            if (l === 'done') done = true;
            else if (done) {
              rl.close();
              resolve(JSON.parse(l) as { counts: number[]; loop: LoopDelay });
            }
          });
          c.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`writer exited with ${code}`))));
        }),
    );
    await Promise.all(procs.map((c) => waitFor(c, 'ready')));
    const start = nowUs();
    for (const c of procs) c.stdin?.write('go\n');
    const all = await Promise.all(reports);
    const sec = (nowUs() - start) / 1e6;
    await Promise.all(procs.map((c) => new Promise((r) => (c.exitCode === null ? c.once('exit', r) : r(null)))));
    const check = await p.open(dir);
    try {
      for (let w = 0; w < writers; w++) {
        for (let s = 0; s < sessions; s++) {
          const want = all[w]?.counts[s] ?? -1;
          const got = (await check.history(`w${w}:${s}`)).length;
          if (got !== want) throw new Error(`${p.name}: session w${w}:${s} has ${got} messages, its writer reported ${want}`);
        }
      }
    } finally {
      await check.close();
    }
    const appends = all.reduce((sum, x) => sum + x.counts.reduce((a, b) => a + b, 0), 0);
    const worst = (f: (l: LoopDelay) => number) => Math.max(...all.map((x) => f(x.loop)).filter(Number.isFinite));
    return {
      writers,
      sessions,
      seconds: sec,
      appends,
      appendsPerSec: appends / sec,
      loop: { p50Ms: worst((l) => l.p50Ms), p99Ms: worst((l) => l.p99Ms), maxMs: worst((l) => l.maxMs), samples: all.reduce((a, x) => a + x.loop.samples, 0) },
    };
  });
}

/** The stores of the multi-process scenario (jsonl's and json's locks live in one process). */
export const MULTI_PROCESS_SAFE: readonly string[] = SAFE;
