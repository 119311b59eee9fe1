import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Disk profiles. The local disk is measured as it is; the slow ones add a fixed delay to every
 * sync through bench/sync-delay/sync-delay.c, compiled here at benchmark time and loaded with
 * LD_PRELOAD into the process that syncs (a benchmark child, or a PostgreSQL server).
 */
export interface DiskProfile {
  /** Shown in reports: 'local', 'sync +2 ms', … */
  name: string;
  /** Added to every fsync/fdatasync/msync(MS_SYNC), in µs (0: the disk as it is). */
  syncDelayUs: number;
}

export const DISK_PROFILES: readonly DiskProfile[] = [
  { name: 'local disk', syncDelayUs: 0 },
  { name: 'sync +2 ms', syncDelayUs: 2000 },
  { name: 'sync +8 ms', syncDelayUs: 8000 },
];

const SOURCE = fileURLToPath(new URL('../../bench/sync-delay/sync-delay.c', import.meta.url));
const BUILT = fileURLToPath(new URL('../../bench/sync-delay/build/sync-delay.so', import.meta.url));

/** The preload library's path, built if missing or older than its source; or why it cannot be. */
export function buildSyncDelay(): { preloadPath: string } | { skipped: string } {
  if (process.platform !== 'linux') return { skipped: `slow-disk profiles need LD_PRELOAD on Linux (this is ${process.platform})` };
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= statSync(SOURCE).mtimeMs) return { preloadPath: BUILT };
  mkdirSync(fileURLToPath(new URL('.', `file://${BUILT}`)), { recursive: true });
  const cc = process.env['CC'] ?? 'cc';
  const r = spawnSync(cc, ['-O2', '-Wall', '-shared', '-fPIC', '-o', BUILT, SOURCE, '-ldl'], { encoding: 'utf8' });
  if (r.error !== undefined) return { skipped: `cannot build the slow-disk library: ${cc} not found (${r.error.message})` };
  if (r.status !== 0) return { skipped: `cannot build the slow-disk library: ${cc} failed: ${r.stderr.trim().split('\n')[0] ?? ''}` };
  return { preloadPath: BUILT };
}

/** Environment for a process that runs on `profile`'s disk (the local disk: unchanged). */
export function profileEnv(profile: DiskProfile, preloadPath: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (profile.syncDelayUs === 0) return { ...base };
  const preload = [preloadPath, base['LD_PRELOAD']].filter((x) => x !== undefined && x !== '').join(' ');
  return { ...base, LD_PRELOAD: preload, TURNLOG_SYNC_DELAY_US: String(profile.syncDelayUs) };
}
