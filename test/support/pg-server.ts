import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binDir, freePort } from '../../bench/pg-server.js';

/**
 * A throwaway PostgreSQL server of this test's own (initdb in a temporary directory, loopback
 * only, trust authentication), for tests that restart the server: the shared server on 5432
 * serves every other test file at the same time and must never go down. Built from the
 * machine's PostgreSQL binaries (/usr/lib/postgresql/<version>/bin); as root, run as the
 * `postgres` user (initdb refuses root).
 */
export interface PgServer {
  url: string;
  /** Asynchronous, so that the test's writes keep running while the server goes down and comes back. */
  restart(): Promise<void>;
  stop(): void;
}

/** Why no throwaway server can be made here, or undefined when one can. */
export function pgServerUnavailable(): string | undefined {
  if (binDir() === undefined) return 'no PostgreSQL server binaries under /usr/lib/postgresql';
  if (process.getuid?.() === 0 && !hasUser('postgres')) return 'running as root without a postgres user to run initdb as';
  return undefined;
}

function hasUser(name: string): boolean {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function startPgServer(): Promise<PgServer> {
  const bin = binDir();
  if (bin === undefined) throw new Error('no PostgreSQL binaries');
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]): void => {
    const cmd = join(bin, tool);
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'ignore', timeout: 60_000 });
    else execFileSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
  };
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=40`;
  const ctl = (...args: string[]): void => run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', ...args]);
  const ctlAsync = async (...args: string[]): Promise<void> => {
    const cmd = join(bin, 'pg_ctl');
    const full = ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', ...args];
    await promisify(execFile)(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...full] : full, { timeout: 60_000 });
  };
  ctl('-o', opts, 'start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: () => ctlAsync('-o', opts, '-m', 'fast', 'restart'),
    stop: () => {
      try {
        ctl('-m', 'immediate', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
