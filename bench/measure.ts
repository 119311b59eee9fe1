import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Monotonic time in microseconds. */
export function nowUs(): number {
  return Number(process.hrtime.bigint()) / 1000;
}

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
}

export const median = (xs: readonly number[]): number => percentile(xs, 50);
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

const cleanups = new Map<string, Array<() => Promise<void>>>();

/**
 * Registers work to do when the temporary directory `dir` is removed: a store kept outside the
 * directory (a PostgreSQL schema) lives exactly as long as the run's directory.
 */
export function onTempDirRemoved(dir: string, fn: () => Promise<void>): void {
  const list = cleanups.get(dir) ?? [];
  list.push(fn);
  cleanups.set(dir, list);
}

/** Runs `fn` in a fresh temporary directory that is removed afterwards, whatever happens. */
export async function inTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-bench-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const list = cleanups.get(dir) ?? [];
    cleanups.delete(dir);
    for (const cleanup of list) await cleanup();
  }
}

/** One 4 KiB write + fdatasync in `dir`, median of `n`: the floor under every durable commit. */
export function fdatasyncUs(dir: string, n: number): number {
  const file = join(dir, 'fdatasync.probe');
  const fd = openSync(file, 'w');
  const page = Buffer.alloc(4096, 1);
  const t: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      writeSync(fd, page, 0, page.length, 0);
      const s = nowUs();
      fdatasyncSync(fd);
      t.push(nowUs() - s);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  return median(t);
}

/** Writes a progress line to stderr (results go to stdout and the JSON file). */
export function progress(line: string): void {
  process.stderr.write(`  … ${line}\n`);
}
