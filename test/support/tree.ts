import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { assertBuilt, ROOT } from './processes.js';
import type { RunResult } from './processes.js';

/** Runs a node script; a child still running after `timeoutMs` is killed and reported as hung. */
export function runNodeWithin(args: string[], timeoutMs = 30_000, options: { uid?: number; gid?: number } = {}): Promise<RunResult & { hung: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, hung });
    });
  });
}

/**
 * Everything under `dir` (names, kinds, modes, sizes, content hashes of regular files), to check
 * that a refused open left every file as it was. FIFOs and devices are never opened.
 */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      const s = lstatSync(p);
      const mode = (s.mode & 0o7777).toString(8);
      if (s.isSymbolicLink()) out[r] = `link ${readlinkSync(p)}`;
      else if (s.isDirectory()) {
        out[r] = `dir ${mode}`;
        walk(p, r);
      } else if (s.isFile()) out[r] = `file ${mode} ${s.size} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
      else out[r] = `special ${mode}`;
    }
  };
  walk(dir, '');
  return out;
}

export interface OpenOutcome {
  opened: boolean;
  code?: string;
  message?: string;
  history?: string[];
  wrote?: boolean;
  writeError?: { code: string; message: string };
}

/** Opens a store in a child process (test/fixtures/open-store.mjs): a crash shows as a signal. */
export async function openInChild(spec: { path: string; create?: boolean; key?: string; read?: string; write?: string }, as: { uid?: number; gid?: number } = {}): Promise<OpenOutcome> {
  assertBuilt();
  const r = await runNodeWithin([join(ROOT, 'test/fixtures/open-store.mjs'), JSON.stringify(spec)], 30_000, as);
  if (r.hung) throw new Error('the child hung (killed after 30 s)');
  if (r.signal !== null || r.code !== 0) throw new Error(`the child died: signal ${r.signal}, code ${r.code}: ${r.stderr.slice(0, 500)}`);
  return JSON.parse(r.stdout) as OpenOutcome;
}
