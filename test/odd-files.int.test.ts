import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './support/harness.js';
import { assertBuilt } from './support/processes.js';
import { openInChild, snapshotTree } from './support/tree.js';

/**
 * Files beside data.mdb that LMDB or turnlog would open: each must be a plain regular file of a
 * sane size, and the data file's encryption must agree with the key-check file. Before these
 * checks, several of these cases killed the process (SIGSEGV) or hung it; every open runs in a
 * child process so that a crash shows as a signal.
 */
const KEY = 'k'.repeat(32);
let dir: string;
beforeAll(assertBuilt);
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function makeStore(path: string, key?: string): Promise<void> {
  const out = await openInChild({ path, write: 'k', ...(key ? { key } : {}) });
  expect(out.opened, out.message).toBe(true);
}

/** Opens `path` in a child, expects a refusal with `code`, and that nothing under `dir` changed. */
async function expectRefused(path: string, code: string, spec: { key?: string } = {}): Promise<string> {
  const before = snapshotTree(dir);
  const out = await openInChild({ path, read: 'k', ...spec });
  expect(out.opened, JSON.stringify(out)).toBe(false);
  expect(out.code, out.message).toBe(code);
  expect(snapshotTree(dir)).toEqual(before);
  return out.message ?? '';
}

describe('the key-check file and the data file must agree', () => {
  it('a plain store holding a turnlog.key, opened with that key: CORRUPT (was a segfault)', async () => {
    await makeStore(join(dir, 'enc'), KEY);
    await makeStore(join(dir, 'plain'));
    copyFileSync(join(dir, 'enc', 'turnlog.key'), join(dir, 'plain', 'turnlog.key'));
    expect(await expectRefused(join(dir, 'plain'), 'CORRUPT', { key: KEY })).toMatch(/not encrypted/);
    await expectRefused(join(dir, 'plain'), 'CORRUPT');
  });

  it('an encrypted store whose turnlog.key is missing: CORRUPT, with or without a key', async () => {
    await makeStore(join(dir, 'enc'), KEY);
    unlinkSync(join(dir, 'enc', 'turnlog.key'));
    expect(await expectRefused(join(dir, 'enc'), 'CORRUPT', { key: KEY })).toMatch(/turnlog\.key is missing/);
    await expectRefused(join(dir, 'enc'), 'CORRUPT');
  });

  it('a turnlog.key that is not a key-check file: CORRUPT', async () => {
    await makeStore(join(dir, 'enc'), KEY);
    writeFileSync(join(dir, 'enc', 'turnlog.key'), 'hello\n');
    await expectRefused(join(dir, 'enc'), 'CORRUPT', { key: KEY });
  });
});

describe('lock.mdb, turnlog.key and data.mdb must be regular files', () => {
  const oddities: Array<[string, (file: string) => void]> = [
    ['a FIFO', (file) => execFileSync('mkfifo', [file])],
    ['a directory', (file) => mkdirSync(file)],
    ['a symbolic link to /dev/null', (file) => symlinkSync('/dev/null', file)],
    ['a symbolic link to /dev/zero', (file) => symlinkSync('/dev/zero', file)],
  ];
  for (const [what, make] of oddities) {
    it(`lock.mdb that is ${what}: CORRUPT, nothing changed (was a segfault)`, async () => {
      const path = join(dir, 's');
      await makeStore(path);
      unlinkSync(join(path, 'lock.mdb'));
      make(join(path, 'lock.mdb'));
      expect(await expectRefused(path, 'CORRUPT')).toMatch(/lock\.mdb/);
    });

    it(`turnlog.key that is ${what}: CORRUPT, no hang`, async () => {
      const path = join(dir, 's');
      await makeStore(path, KEY);
      unlinkSync(join(path, 'turnlog.key'));
      make(join(path, 'turnlog.key'));
      expect(await expectRefused(path, 'CORRUPT', { key: KEY })).toMatch(/turnlog\.key/);
    });
  }

  it('data.mdb that is a symbolic link (even to a valid store): CORRUPT', async () => {
    await makeStore(join(dir, 'real'));
    mkdirSync(join(dir, 's'));
    symlinkSync(join(dir, 'real', 'data.mdb'), join(dir, 's', 'data.mdb'));
    await expectRefused(join(dir, 's'), 'CORRUPT');
  });

  it('a lock.mdb of an absurd size: CORRUPT', async () => {
    const path = join(dir, 's');
    await makeStore(path);
    execFileSync('truncate', ['-s', String(65 * 1024 * 1024), join(path, 'lock.mdb')]);
    await expectRefused(path, 'CORRUPT');
  });

  it('a store without lock.mdb opens (the lock file is made whole before LMDB maps it)', async () => {
    const path = join(dir, 's');
    await makeStore(path);
    unlinkSync(join(path, 'lock.mdb'));
    const out = await openInChild({ path, read: 'k', write: 'k' });
    expect(out).toMatchObject({ opened: true, history: ['written'], wrote: true });
  });
});
