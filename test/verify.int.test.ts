import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * On LMDB: verify and a GC dry run read in short transactions with the event loop running between
 * them, so writes commit while they run, and later pages see those writes (no snapshot is pinned
 * for the whole run; lmdb-js reuses a read transaction within a tick, which is why each page
 * waits for the next turn of the event loop).
 */
it('writes commit while verify and a dry run read, and later pages see them', async () => {
  const log = openSessionLog({ path: join(dir, 's'), replayWindow: 0 });
  for (let s = 0; s < 1500; s += 100) await Promise.all(Array.from({ length: 100 }, (_, i) => log.addMessage(`s${s + i}`, 'user', 'hello')));
  const committedDuring: number[] = [];
  let verifying = true;
  let pages = 0;
  const report = await log.verify({
    onProgress: () => {
      pages++;
      // A new session per page: its sid sorts after every seeded one, so a later page lists it.
      void log.addMessage(`during${pages}`, 'user', 'x').then((r) => {
        if (verifying) committedDuring.push(r.version);
      });
    },
  });
  verifying = false;
  expect(pages).toBeGreaterThan(2);
  expect(committedDuring.length).toBeGreaterThan(0);
  expect(report.ok).toBe(true);
  expect(report.sessions).toBeGreaterThan(1500);

  let dryRunning = true;
  let duringDry = 0;
  let ticks = 0;
  const tick = (): void => {
    ticks++;
    if (dryRunning) {
      if (ticks % 5 === 0) void log.addMessage('live', 'user', `t${ticks}`).then(() => void (dryRunning && duringDry++));
      setImmediate(tick);
    }
  };
  setImmediate(tick);
  const dry = await log.gc({ dryRun: true });
  dryRunning = false;
  expect(dry.sessionsCompacted).toBeGreaterThan(1000);
  expect(duringDry).toBeGreaterThan(0);
  await log.close();
}, 60_000);
