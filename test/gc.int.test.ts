import { turnsDuring } from './support/event-loop.js';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';
import { expectCode } from './support/messages.js';
import { assertBuilt, ROOT, runNode } from './support/processes.js';

beforeAll(assertBuilt);
let dir: string;
let path: string;
beforeEach(() => {
  dir = tempDir();
  path = join(dir, 'store');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
const GC_WORKER = join(ROOT, 'test/fixtures/gc-worker.mjs');

/** Sessions last written two hours ago (injected clock), so a 1h ttl expires them all. */
async function seedOld(sessions: number, perSession: number): Promise<void> {
  const then = Date.now() - 2 * HOUR;
  const log = openSessionLog({ path, clock: () => then, checkpointEvery: 4 });
  for (let s = 0; s < sessions; s += 50) {
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        for (let m = 0; m < perSession; m++) await log.addMessage(`old:${s + i}`, 'user', `m${m}`);
      }),
    );
  }
  await log.close();
}

/** Runs the GC worker on the store (ttl, replay window) and kills it with SIGKILL after its third transaction. */
function killGcAfterThreeTransactions(ttl: string, replayWindow: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [GC_WORKER, path, ttl, replayWindow], { stdio: ['ignore', 'pipe', 'inherit'] });
    let lines = 0;
    child.stdout.on('data', (d: Buffer) => {
      lines += d.toString().split('\n').filter((l) => l.includes('progress')).length;
      if (lines >= 3) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`GC finished before it was killed (${lines} transactions)`))));
  });
}

it('a GC killed part-way leaves a consistent store that the next GC finishes', async () => {
  await seedOld(2000, 6);
  await killGcAfterThreeTransactions('1h', '7d');
  const log = openSessionLog({ path, ttl: '1h', maxExpireShare: 1 });
  try {
    const mid = await log.stats();
    expect(mid.sessions).toBeGreaterThan(0); // interrupted: some sessions not expired yet
    expect(mid.sessions).toBeLessThan(2000);
    expect(await log.verify()).toMatchObject({ ok: true });
    const rest = await log.gc();
    expect(rest.sessionsExpired).toBe(mid.sessions);
    expect(await log.stats()).toMatchObject({ sessions: 0, events: 0, pendingPurges: 0 });
    expect((await log.verify()).ok).toBe(true);
  } finally {
    await log.close();
  }
});

it('a GC process and an appending process together: no append lost, versions contiguous', async () => {
  await seedOld(1500, 4);
  const writer = join(ROOT, 'test/fixtures/append-worker.mjs');
  const [appends, gc] = await Promise.all([runNode([writer, path, 'w', '150', 'live:1,live:2']), runNode([GC_WORKER, path, '1h', '0', '3'])]);
  expect(appends.stderr).toBe('');
  expect(gc.stderr).toBe('');
  expect(appends.code).toBe(0);
  expect(gc.code).toBe(0);
  const acked = appends.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; content: string; version: number });
  expect(acked).toHaveLength(300);
  const reports = gc.stdout.trim().split('\n').map((l) => JSON.parse(l) as { report?: { sessionsExpired: number; longestTransactionMs: number } }).filter((x) => x.report);
  expect(reports.reduce((n, r) => n + (r.report?.sessionsExpired ?? 0), 0)).toBe(1500);
  const log = openSessionLog({ path, replayWindow: Infinity });
  try {
    for (const key of ['live:1', 'live:2']) {
      const info = await log.getSession(key);
      expect(info?.version).toBe(150);
      expect((await log.getHistory(key)).map((m) => m.content)).toEqual(Array.from({ length: 150 }, (_, i) => `w:${i}`));
      for (const a of acked.filter((x) => x.key === key)) expect(a.version).toBe(Number(a.content.split(':')[1]) + 1);
    }
    expect((await log.verify()).ok).toBe(true);
    expect((await log.stats()).sessions).toBe(2);
  } finally {
    await log.close();
  }
});

it('backup makes a consistent copy, optionally compacted, and refuses to overwrite', async () => {
  const log = openSessionLog({ path, checkpointEvery: 4 });
  for (let i = 0; i < 50; i++) await log.addMessage(`k${i % 5}`, 'user', `m${i}`);
  await log.deleteSession('k4');
  for (const compact of [false, true]) {
    const dest = join(dir, `backup-${compact}`);
    await log.backup(dest, { compact });
    const copy = openSessionLog({ path: dest, create: false });
    for (let k = 0; k < 5; k++) expect(await copy.getHistory(`k${k}`)).toEqual(await log.getHistory(`k${k}`));
    expect((await copy.verify()).ok).toBe(true);
    await copy.close();
  }
  await expectCode(log.backup(join(dir, 'backup-true')), 'INVALID_ARGUMENT');
  await log.close();
});

it('GC lets the event loop run between its transactions', async () => {
  await seedOld(1500, 2);
  const log = openSessionLog({ path, ttl: '1h', maxExpireShare: 1 });
  const { result: report, turns } = await turnsDuring(() => log.gc());
  expect(report.transactions).toBeGreaterThan(2);
  expect(turns).toBeGreaterThanOrEqual(report.transactions - 1);
  await log.close();
});

it('a GC killed while collecting one huge session is finished by the next GC', async () => {
  const then = Date.now() - 2 * HOUR;
  // A checkpoint every 4 events: each packs its events into one row, so the rows to collect are many.
  const seed = openSessionLog({ path, clock: () => then, checkpointEvery: 4 });
  for (let i = 0; i < 20_000; i += 1000) await Promise.all(Array.from({ length: 1000 }, (_, j) => seed.addMessage('big', 'user', `m${i + j}`)));
  const history = await seed.getHistory('big');
  await seed.close();
  await killGcAfterThreeTransactions('never', '0');
  const log = openSessionLog({ path, replayWindow: 0 });
  try {
    const mid = (await log.stats()).events;
    expect(mid).toBeGreaterThan(0);
    expect(mid).toBeLessThan(20_000);
    const rest = await log.gc();
    expect(rest.eventsRemoved).toBe(mid);
    expect((await log.stats()).events).toBe(0);
    expect(await log.getHistory('big')).toEqual(history);
    expect((await log.verify()).ok).toBe(true);
  } finally {
    await log.close();
  }
}, 60_000);
