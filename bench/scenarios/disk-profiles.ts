import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { historyPeers } from '../peers/index.js';
import { PG_PEER } from '../peers/postgres.js';
import { idleLoopDelay, type LoopDelay } from '../loop-delay.js';
import { progress } from '../measure.js';
import { pgServerInfo } from '../pg.js';
import { makeProfilePgServer, type ProfilePgServer } from '../pg-server.js';
import { DISK_PROFILES, buildSyncDelay, profileEnv, type DiskProfile } from '../sync-delay.js';
import type { TimedWritersResult } from './multi-process.js';
import type { PacedResult, SaturatedResult, SingleAgentResult } from './timed-writes.js';

/**
 * The write scenarios on each disk profile (bench/sync-delay.ts): for every profile and every
 * store a child process started with the profile's environment, so the syncs of the process
 * that writes wait as on that disk. PostgreSQL syncs in its server: its rows come from a
 * throwaway server started with the profile's environment (bench/pg-server.ts), the same data
 * directory for every profile.
 */
export interface DiskPlan {
  /** Concurrent sessions of both gateways. */
  sessions: number;
  /** Length of the saturated gateway's timed window, s. */
  saturatedSec: number;
  /** The paced gateway's schedule, appends/s over all sessions, and its length, s. */
  pacedPerSec: number;
  pacedSec: number;
  /** Single agent: at most `singleMax` appends, stopping after `singleSec` s once `singleMin` are done. */
  singleMax: number;
  singleMin: number;
  singleSec: number;
  /** Multi-process: writer processes (0: none), concurrent sessions in each, and how long they write, s. */
  writers: number;
  writerSessions: number;
  writersSec: number;
  /** False (--quick): writer processes only on the slow profiles, the costliest part of a toy run. */
  writersOnLocalDisk: boolean;
}

/** What the child process is told to run: one store, the plan. */
export interface DiskChildPlan extends DiskPlan {
  peer: string;
}

export interface DiskChildResult {
  durability: string;
  saturated: SaturatedResult;
  paced: PacedResult;
  singleAgent: SingleAgentResult;
  /** Only for the stores that are safe across processes. */
  multiProcess?: TimedWritersResult;
}

export interface DiskStoreRow extends DiskChildResult {
  peer: string;
}

export interface DiskProfileResult {
  name: string;
  syncDelayUs: number;
  /** Median 4 KiB write + fdatasync measured in a child on this profile, µs (absent when skipped). */
  fdatasyncUs?: number;
  rows: DiskStoreRow[];
  /** Why the whole profile, or one store on it, has no row. */
  skipped?: string;
  skippedStores: Array<{ peer: string; reason: string }>;
}

export interface DiskProfilesResult {
  plan: DiskPlan;
  /** The loop-delay probe on an idle loop of the parent: the floor of every loop figure. */
  idleLoop: LoopDelay;
  /** The PostgreSQL server of the profile rows, or why it could not be used. */
  postgres: { version: string; synchronousCommit: string; server: string } | { skipped: string };
  profiles: DiskProfileResult[];
}

const CHILD = fileURLToPath(new URL('./disk-child.js', import.meta.url));

/** Runs the child with `env`; its `result` line parsed, or a rejection with the reason. */
function runChild<T>(args: string[], env: NodeJS.ProcessEnv, timeoutSec: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CHILD, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutSec * 1000);
    proc.once('error', reject);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('result '));
      if (code === 0 && line !== undefined) resolve(JSON.parse(line.slice('result '.length)) as T);
      else reject(new Error(signal === 'SIGKILL' ? `killed after ${timeoutSec} s` : `child exited with ${code ?? signal}`));
    });
  });
}

export async function diskProfiles(plan: DiskPlan, profiles: readonly DiskProfile[] = DISK_PROFILES): Promise<DiskProfilesResult> {
  const built = buildSyncDelay();
  if ('skipped' in built) process.stderr.write(`slow-disk profiles skipped: ${built.skipped}\n`);
  const peers = historyPeers();
  // PostgreSQL: a throwaway server with the library preloaded, or (local disk only) the shared one.
  let server: ProfilePgServer | undefined;
  let pgSkip: string | undefined;
  if (peers.some((p) => p.name === PG_PEER)) {
    const made = 'preloadPath' in built ? await makeProfilePgServer(built.preloadPath) : { skipped: built.skipped };
    if ('skipped' in made) {
      pgSkip = made.skipped;
      process.stderr.write(`PostgreSQL rows of the slow-disk profiles skipped: ${pgSkip}\n`);
    } else server = made;
  } else pgSkip = 'no PostgreSQL in this run';
  let postgres: DiskProfilesResult['postgres'] = { skipped: pgSkip ?? '' };
  const idleLoop = await idleLoopDelay(500);
  const results: DiskProfileResult[] = [];
  try {
    for (const profile of profiles) {
      const result: DiskProfileResult = { name: profile.name, syncDelayUs: profile.syncDelayUs, rows: [], skippedStores: [] };
      results.push(result);
      if (profile.syncDelayUs > 0 && 'skipped' in built) {
        result.skipped = built.skipped;
        continue;
      }
      const env = 'preloadPath' in built ? profileEnv(profile, built.preloadPath) : { ...process.env };
      // What the PostgreSQL store's child adds to its environment; undefined: no row on this profile.
      let pgEnv: Record<string, string> | undefined;
      if (server !== undefined) {
        try {
          server.start(profile);
          pgEnv = { TURNLOG_PG_URL: server.url };
          if ('skipped' in postgres) postgres = { ...(await pgServerInfo(server.url)), server: 'a throwaway server on this machine (initdb defaults), restarted for each profile' };
        } catch (error) {
          pgSkip = `the throwaway PostgreSQL server did not start: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
          process.stderr.write(`PostgreSQL rows on ${profile.name} skipped: ${pgSkip}\n`);
        }
      } else if (profile.syncDelayUs === 0 && peers.some((p) => p.name === PG_PEER)) {
        // No throwaway server: the local disk's row comes from the shared server, which cannot be slowed.
        if ('skipped' in postgres) postgres = { ...(await pgServerInfo()), server: 'the shared server (TURNLOG_PG_URL); the slow profiles have no PostgreSQL rows' };
        pgEnv = {};
      }
      try {
        progress(`${profile.name}: fdatasync`);
        result.fdatasyncUs = await runChild<number>(['fdatasync', String(profile.syncDelayUs > 0 ? 30 : 200)], env, 60);
        for (const p of peers) {
          if (p.name === PG_PEER && pgEnv === undefined) {
            result.skippedStores.push({ peer: p.name, reason: pgSkip ?? 'no server' });
            continue;
          }
          progress(`${profile.name}: ${p.name}`);
          const childEnv = p.name === PG_PEER ? { ...env, ...pgEnv } : env;
          const budget = plan.saturatedSec + plan.pacedSec + plan.singleSec + plan.writersSec + 180;
          try {
            const writers = profile.syncDelayUs === 0 && !plan.writersOnLocalDisk ? 0 : plan.writers;
            result.rows.push({ peer: p.name, ...(await runChild<DiskChildResult>([JSON.stringify({ ...plan, writers, peer: p.name } satisfies DiskChildPlan)], childEnv, budget)) });
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            process.stderr.write(`${p.name} on ${profile.name} has no row: ${reason}\n`);
            result.skippedStores.push({ peer: p.name, reason });
          }
        }
      } finally {
        server?.stop();
      }
    }
  } finally {
    server?.remove();
  }
  return { plan, idleLoop, postgres, profiles: results };
}
