import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';
import { assertBuilt, ROOT, runNode } from './support/processes.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');
let dir: string;
let path: string;
beforeAll(assertBuilt);
beforeEach(() => {
  dir = tempDir();
  path = join(dir, 'store');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (...args: string[]) => runNode([CLI, '--path', path, ...args], { env: { ...process.env, NO_COLOR: '1' } as NodeJS.ProcessEnv });

it('turnlog gc holds back an expiry of most of the store, says so, and --max-expire-share 1 lets it go ahead', async () => {
  const then = Date.now() - 2 * 3_600_000;
  const log = openSessionLog({ path, clock: () => then });
  for (let i = 0; i < 20; i++) await log.addMessage(`s${i}`, 'user', 'hello');
  await log.close();

  const held = await cli('gc', '--ttl', '1h');
  expect(held.code).toBe(0);
  expect(held.stdout).toMatch(/expiry held back\s+20 sessions idle past the ttl kept/);
  expect(held.stdout).toMatch(/sessions expired\s+0/);
  const json = JSON.parse((await cli('gc', '--ttl', '1h', '--json', '--dry-run')).stdout) as { expiryHeldBack: number; sessionsExpired: number };
  expect(json).toMatchObject({ expiryHeldBack: 20, sessionsExpired: 0 });

  const bad = await cli('gc', '--ttl', '1h', '--max-expire-share', 'lots');
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain('--max-expire-share');

  const forced = await cli('gc', '--ttl', '1h', '--max-expire-share', '1');
  expect(forced.code).toBe(0);
  expect(forced.stdout).toMatch(/sessions expired\s+20/);
  expect(forced.stdout).not.toContain('held back');
});

it('turnlog gc refuses a ttl no clock arithmetic can use, naming it', async () => {
  const r = await cli('gc', '--ttl', `${'9'.repeat(400)}d`);
  expect(r.code).not.toBe(0);
  expect(r.stderr).toContain('ttl');
});
