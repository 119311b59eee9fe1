import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { historyPeers } from '../peers/index.js';
import type { HistoryPeer } from '../peers/types.js';
import { PG_PEER } from '../peers/postgres.js';
import { inTempDir, nowUs, progress } from '../measure.js';

/**
 * Scenario 9: `writers` processes appending to one store at once, each running `sessions`
 * concurrent sessions. Timed from "go" to the last "done". Only stores that are safe across
 * processes take part: jsonl's and json's locks live inside one process.
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
const SAFE = ['turnlog flushed', 'turnlog committed', PG_PEER, 'sqlite FULL', 'sqlite NORMAL'];

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

export async function multiProcess(writers: number, sessions: number, perSession: number): Promise<MultiProcessRow[]> {
  const rows: MultiProcessRow[] = [];
  for (const p of historyPeers().filter((x) => SAFE.includes(x.name))) {
    progress(`multi-process: ${p.name}`);
    rows.push({ peer: p.name, ...(await runWriters(p, writers, sessions, perSession)) });
  }
  return rows;
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
