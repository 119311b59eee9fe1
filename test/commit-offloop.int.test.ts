import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { assertBuilt, runNode, ROOT } from './support/processes.js';
import { tempDir } from './support/harness.js';

/**
 * Commits run off the event loop: with every disk sync of the writer made to wait 300 ms (the
 * benchmark's slow-disk preload library, bench/sync-delay), the writer's timers keep firing
 * while its write commits and syncs. Before, the commit and its sync
 * ran inside a synchronous transaction: no timer could run between a write's submission and its
 * resolution.
 */
const WRITER = join(ROOT, 'test/fixtures/slow-sync-writer.mjs');
const SYNC_DELAY = join(ROOT, 'dist-dev/bench/sync-delay.js');
type Built = { preloadPath: string } | { skipped: string };
let preloadPath: string | undefined;
let skipped = '';

beforeAll(async () => {
  assertBuilt();
  if (!existsSync(SYNC_DELAY)) throw new Error('dist-dev/ is missing: run `npm run build:dev` first (npm test does)');
  const mod = (await import(pathToFileURL(SYNC_DELAY).href)) as { buildSyncDelay(): Built };
  const built = mod.buildSyncDelay();
  if ('preloadPath' in built) preloadPath = built.preloadPath;
  else skipped = built.skipped;
});

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("the event loop runs while a write's commit syncs (every sync made to take 300 ms)", async (ctx) => {
  if (preloadPath === undefined) {
    console.warn(`skipped: ${skipped}`);
    ctx.skip();
  }
  dir = tempDir();
  const env = { ...process.env, LD_PRELOAD: preloadPath, TURNLOG_SYNC_DELAY_US: '300000' };
  const r = await runNode([WRITER, join(dir, 'store')], { env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout) as { ticksBetween: number; seenBeforeResolved: boolean; version: number; afterResolved: string[] };
  expect(out.ticksBetween).toBeGreaterThan(0);
  expect(out.version).toBe(1);
  // Read-your-writes once the promise resolved.
  expect(out.afterResolved).toEqual(['hello']);
});
