import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSessionLog } from '../src/open.js';
import { openPostgresSessionLog } from '../src/postgres/open-postgres.js';
import { dropSchema, PG_URL, pgUnavailable, schemaFor } from './pg.js';
import { blockFigures, blocking } from './loop-delay.js';
import type { Blocking } from './loop-delay.js';

/**
 * The longest event-loop block of every maintenance operation on LMDB (docs/reliability.md,
 * "Maintenance never blocks the event loop for long"): `npm run build:dev && nice node
 * dist-dev/bench/maintenance-blocks.js [sessions] [events] [many|one|encrypted|postgres]` (the
 * last: only that part; default all).
 * - many small sessions (default 20,000): verify, a GC dry run, GC (compaction, then expiry and
 *   the purge of every expired session), a backup;
 * - one session of many events (default 200,000): verify, a GC dry run, GC (compaction with a
 *   replay window of 0), verify again (now from a base checkpoint holding every message), a
 *   backup, and its deletion (the purge of its rows).
 * - an encrypted store (the same number of 200-byte messages in one session, and 5,000 small
 *   sessions): a backup, which is a logical copy, read and written in batches on this thread;
 * - on PostgreSQL (TURNLOG_PG_URL, skipped with the reason when none answers), one session of
 *   the same number of messages, 1,000 per write: verify, a GC dry run, GC, deletion.
 * Per operation: the longest block (largest gap between two turns of a setImmediate loop, or
 * perf_hooks' delay maximum, whichever is larger), the CPU time of the longest gap, and the
 * operation's total time in ms.
 */
const SESSIONS = Number(process.argv[2] ?? 20_000);
const EVENTS = Number(process.argv[3] ?? 200_000);
const ONLY = process.argv[4];

type Figures = Record<string, number>;

const figures = (name: string, b: Blocking<unknown>): Figures => {
  const f = blockFigures(name, b);
  return { [`${name}LongestBlockMs`]: f[`${name}LongestBlockMs`] ?? NaN, [`${name}LongestBlockCpuMs`]: f[`${name}LongestBlockCpuMs`] ?? NaN, [`${name}TotalMs`]: Math.round(b.ms) };
};

async function inTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-maintenance-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function manySessions(): Promise<Figures> {
  return inTemp(async (dir) => {
    let now = 1_700_000_000_000;
    const log = openSessionLog({ path: join(dir, 's'), clock: () => now, replayWindow: '1h', ttl: '1d', maxExpireShare: 1 });
    try {
      for (let s = 0; s < SESSIONS; s += 1000) {
        await Promise.all(Array.from({ length: Math.min(1000, SESSIONS - s) }, (_, i) => log.addMessages(`session:${s + i}`, [{ role: 'user', content: `hello ${s + i}` }, { role: 'assistant', content: 'hi' }])));
      }
      now += 2 * 3_600_000; // past the replay window: every session is due for compaction
      const verify = await blocking(() => log.verify());
      if (!verify.result.ok) throw new Error('verify found mismatches');
      const dry = await blocking(() => log.gc({ dryRun: true }));
      const compact = await blocking(() => log.gc());
      const backup = await blocking(() => log.backup(join(dir, 'copy')));
      now += 2 * 86_400_000; // past the ttl: every session expires and is purged
      const expire = await blocking(() => log.gc());
      return {
        sessions: SESSIONS,
        ...figures('verify', verify),
        ...figures('dryRun', dry),
        ...figures('gcCompact', compact),
        ...figures('backup', backup),
        ...figures('gcExpirePurge', expire),
        expired: expire.result.sessionsExpired,
      };
    } finally {
      await log.close();
    }
  });
}

async function oneSession(): Promise<Figures> {
  return inTemp(async (dir) => {
    let now = 1_700_000_000_000;
    const log = openSessionLog({ path: join(dir, 's'), clock: () => now, replayWindow: 0 });
    try {
      for (let i = 0; i < EVENTS; i += 1000) {
        await Promise.all(Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => log.addMessage('big', j % 2 ? 'assistant' : 'user', `message ${i + j}`)));
      }
      now += 1000;
      const verify = await blocking(() => log.verify());
      const dry = await blocking(() => log.gc({ dryRun: true }));
      const gc = await blocking(() => log.gc());
      const verifyBase = await blocking(() => log.verify());
      if (!verify.result.ok || !verifyBase.result.ok) throw new Error('verify found mismatches');
      const backup = await blocking(() => log.backup(join(dir, 'copy')));
      const purge = await blocking(() => log.deleteSession('big'));
      return {
        events: EVENTS,
        ...figures('verify', verify),
        ...figures('dryRun', dry),
        ...figures('gcCompact', gc),
        ...figures('verifyFromBase', verifyBase),
        ...figures('backup', backup),
        ...figures('purge', purge),
      };
    } finally {
      await log.close();
    }
  });
}

async function encryptedStore(): Promise<Figures> {
  return inTemp(async (dir) => {
    const log = openSessionLog({ path: join(dir, 's'), encryptionKey: randomBytes(16).toString('hex') });
    try {
      for (let i = 0; i < EVENTS; i += 1000) await log.addMessages('big', Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => ({ role: 'user', content: `message ${i + j} ${'x'.repeat(200)}` })));
      for (let s = 0; s < 5000; s += 500) await Promise.all(Array.from({ length: 500 }, (_, i) => log.addMessage(`s${s + i}`, 'user', 'hi')));
      return { messages: EVENTS, ...figures('backup', await blocking(() => log.backup(join(dir, 'copy')))) };
    } finally {
      await log.close();
    }
  });
}

async function postgresSession(): Promise<Figures | { skipped: string }> {
  const why = await pgUnavailable();
  if (why !== undefined) return { skipped: why };
  return inTemp(async (dir) => {
    const schema = schemaFor(dir);
    let now = 1_700_000_000_000;
    const log = await openPostgresSessionLog({ connectionString: PG_URL, schema, clock: () => now, replayWindow: 0 });
    try {
      for (let i = 0; i < EVENTS; i += 1000) await log.addMessages('big', Array.from({ length: Math.min(1000, EVENTS - i) }, (_, j) => ({ role: j % 2 ? 'assistant' : 'user', content: `message ${i + j}` })));
      now += 1000;
      const verify = await blocking(() => log.verify());
      if (!verify.result.ok) throw new Error('verify found mismatches');
      const dry = await blocking(() => log.gc({ dryRun: true }));
      const gc = await blocking(() => log.gc());
      const purge = await blocking(() => log.deleteSession('big'));
      return { messages: EVENTS, ...figures('verify', verify), ...figures('dryRun', dry), ...figures('gc', gc), ...figures('purge', purge) };
    } finally {
      await log.close();
      await dropSchema(schema);
    }
  });
}

const out = {
  date: new Date().toISOString(),
  command: `node dist-dev/bench/maintenance-blocks.js ${SESSIONS} ${EVENTS}${ONLY === undefined ? '' : ` ${ONLY}`}`,
  node: process.version,
  cpu: cpus()[0]?.model,
  loadAverage: Number((loadavg()[0] ?? 0).toFixed(1)),
  manySessions: ONLY === undefined || ONLY === 'many' ? await manySessions() : undefined,
  oneSession: ONLY === undefined || ONLY === 'one' ? await oneSession() : undefined,
  encryptedStore: ONLY === undefined || ONLY === 'encrypted' ? await encryptedStore() : undefined,
  postgresSession: ONLY === undefined || ONLY === 'postgres' ? await postgresSession() : undefined,
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
