import { execFileSync } from 'node:child_process';
import { copyFileSync, linkSync, mkdirSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
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

describe('a store file must be the only name of its file (no foreign hard link)', () => {
  it("lock.mdb hard-linked to another store's data.mdb: CORRUPT, and that store is intact (it was destroyed)", async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await makeStore(a);
    await makeStore(b);
    unlinkSync(join(a, 'lock.mdb'));
    linkSync(join(b, 'data.mdb'), join(a, 'lock.mdb'));
    expect(await expectRefused(a, 'CORRUPT')).toMatch(/lock\.mdb.*hard link/);
    unlinkSync(join(a, 'lock.mdb'));
    expect(await openInChild({ path: b, read: 'k' })).toMatchObject({ opened: true, history: ['written'] });
    expect(await openInChild({ path: a, read: 'k' })).toMatchObject({ opened: true, history: ['written'] });
  });

  it("lock.mdb hard-linked to the store's own data.mdb: CORRUPT, no crash (it was a segfault)", async () => {
    const c = join(dir, 'c');
    await makeStore(c);
    unlinkSync(join(c, 'lock.mdb'));
    linkSync(join(c, 'data.mdb'), join(c, 'lock.mdb'));
    for (const create of [true, false]) {
      const before = snapshotTree(dir);
      const out = await openInChild({ path: c, read: 'k', create });
      expect(out.code, out.message).toBe('CORRUPT');
      expect(snapshotTree(dir)).toEqual(before);
    }
    unlinkSync(join(c, 'lock.mdb'));
    expect(await openInChild({ path: c, read: 'k' })).toMatchObject({ opened: true, history: ['written'] });
  });

  it('two store directories sharing one hard-linked data.mdb: both refused (each would have its own lock file)', async () => {
    const b = join(dir, 'b');
    await makeStore(b);
    mkdirSync(join(dir, 'd'));
    linkSync(join(b, 'data.mdb'), join(dir, 'd', 'data.mdb'));
    expect(await expectRefused(join(dir, 'd'), 'CORRUPT')).toMatch(/data\.mdb.*2 hard links/);
    expect(await expectRefused(b, 'CORRUPT')).toMatch(/data\.mdb.*2 hard links/);
  });

  it("turnlog.key hard-linked to another store's key file: CORRUPT, nothing changed", async () => {
    await makeStore(join(dir, 'e1'), KEY);
    await makeStore(join(dir, 'e2'), KEY);
    unlinkSync(join(dir, 'e2', 'turnlog.key'));
    linkSync(join(dir, 'e1', 'turnlog.key'), join(dir, 'e2', 'turnlog.key'));
    expect(await expectRefused(join(dir, 'e2'), 'CORRUPT', { key: KEY })).toMatch(/turnlog\.key.*hard link/);
  });

  it('a temporary file of a killed creation still linked to data.mdb or lock.mdb is turnlog\'s own: the store opens', async () => {
    const path = join(dir, 's');
    await makeStore(path);
    linkSync(join(path, 'data.mdb'), join(path, '.turnlog-tmp-new-1-00000000'));
    linkSync(join(path, 'lock.mdb'), join(path, '.turnlog-tmp-lock-1-00000000'));
    expect(await openInChild({ path, read: 'k', write: 'k' })).toMatchObject({ opened: true, history: ['written'], wrote: true });
    // …but not once a foreign name is added as well
    linkSync(join(path, 'data.mdb'), join(dir, 'elsewhere.mdb'));
    expect(await expectRefused(path, 'CORRUPT')).toMatch(/3 hard links/);
    expect(readdirSync(path).length).toBe(4);
  });
});
