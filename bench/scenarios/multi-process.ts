import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HISTORY_PEERS } from '../peers/index.js';
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

const child = fileURLToPath(new URL('./writer-child.js', import.meta.url));
const SAFE = ['turnlog flushed', 'turnlog committed', 'sqlite FULL', 'sqlite NORMAL'];

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

export async function multiProcess(writers: number, sessions: number, perSession: number): Promise<MultiProcessRow[]> {
  const rows: MultiProcessRow[] = [];
  for (const p of HISTORY_PEERS.filter((x) => SAFE.includes(x.name))) {
    progress(`multi-process: ${p.name}`);
    rows.push(
      await inTempDir(async (dir) => {
        const probe = p.open(dir);
        const label = probe.durability;
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
        const check = p.open(dir);
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
        return { peer: p.name, durability: label, appendsPerSec: (writers * sessions * perSession) / sec };
      }),
    );
  }
  return rows;
}
