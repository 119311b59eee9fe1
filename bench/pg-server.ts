import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileEnv, type DiskProfile } from './sync-delay.js';

/**
 * A throwaway PostgreSQL server for the disk profiles: PostgreSQL syncs its WAL in the server,
 * so the slow-disk library must be preloaded there, which the shared server cannot be. Made the
 * way the tests make theirs (test/support/pg-server.ts): initdb into a temporary directory from
 * the machine's binaries (/usr/lib/postgresql/<version>/bin), loopback only, trust
 * authentication, initdb's defaults otherwise; as root, run as the `postgres` user. One data
 * directory serves every profile, restarted with each profile's environment (the library reads
 * its delay once per process), so the rows of the profiles differ by the disk alone.
 */
export interface ProfilePgServer {
  url: string;
  /** Starts the server on `profile`'s disk (the library preloaded for a slow one, and checked to be loaded). */
  start(profile: DiskProfile): void;
  stop(): void;
  /** Stops it if running and deletes its directory. */
  remove(): void;
}

/** The newest PostgreSQL server binaries on this machine (Debian's layout), if any. Also used by the tests' throwaway server. */
export function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  try {
    return { uid: Number(execFileSync('id', ['-u', name]).toString()), gid: Number(execFileSync('id', ['-g', name]).toString()) };
  } catch {
    return undefined;
  }
}

/** A loopback port free at the time of asking. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message.split('\n')[0] : String(error));

/** A server made and ready to start, or why none can be here. `preloadPath`: the built slow-disk preload. */
export async function makeProfilePgServer(preloadPath: string): Promise<ProfilePgServer | { skipped: string }> {
  const bin = binDir();
  if (bin === undefined) return { skipped: 'no PostgreSQL server binaries under /usr/lib/postgresql to start a server with the slow-disk library' };
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? userIds('postgres') : undefined;
  if (asRoot && owner === undefined) return { skipped: 'running as root without a postgres user to run initdb as' };
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-bench-pg-'));
  // The server's user must read the library: a copy inside its own directory, world-readable.
  const preload = join(dir, 'sync-delay.so');
  copyFileSync(preloadPath, preload);
  chmodSync(preload, 0o644);
  if (owner !== undefined) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(preload, owner.uid, owner.gid);
  }
  const run = (tool: string, args: string[], env: Record<string, string> = {}): void => {
    const cmd = join(bin, tool);
    const withEnv = ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), cmd, ...args];
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', ...withEnv], { stdio: 'ignore', timeout: 60_000 });
    else execFileSync(withEnv[0] as string, withEnv.slice(1), { stdio: 'ignore', timeout: 60_000 });
  };
  const data = join(dir, 'data');
  const port = await freePort();
  const ctl = (args: string[], env?: Record<string, string>) => run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', ...args], env);
  let running = false;
  const stop = (): void => {
    if (running) ctl(['-m', 'fast', 'stop']);
    running = false;
  };
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `initdb of a throwaway server failed: ${firstLine(error)}` };
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start(profile) {
      const env = profileEnv(profile, preload, {}) as Record<string, string>;
      ctl(['-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=100`, 'start'], env);
      running = true;
      if (env['LD_PRELOAD'] !== undefined) {
        const pid = readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '';
        if (!readFileSync(`/proc/${pid}/maps`, 'utf8').includes(preload)) {
          stop();
          throw new Error('the throwaway PostgreSQL server started without the slow-disk library loaded');
        }
      }
    },
    stop,
    remove() {
      try {
        stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
