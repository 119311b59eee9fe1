import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/harness.js';
import { assertBuilt, DIST_ENTRY } from './support/processes.js';
import { openInChild, runNodeWithin, snapshotTree } from './support/tree.js';

/**
 * Opening and creating stores on a full disk, on a 3 MiB tmpfs (mounting needs root: skipped,
 * and said so, elsewhere). LMDB maps lock.mdb and writes through the mapping, so a hole the disk
 * cannot back was a SIGBUS (exit 135) that left a 0-byte data.mdb. Every open runs in a child.
 */
const KEY = 'k'.repeat(32);
let base: string;
let mount: string;
let mounted = false;
beforeAll(() => {
  assertBuilt();
  base = tempDir();
  mount = join(base, 'small-disk');
  mkdirSync(mount);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mount], { stdio: 'ignore' });
    mounted = true;
  } catch {
    console.log('disk-full-open: skipped: mounting a small tmpfs needs root');
  }
});
afterEach(() => {
  if (mounted) for (const name of readdirSync(mount)) rmSync(join(mount, name), { recursive: true, force: true });
});
afterAll(() => {
  if (mounted) execFileSync('umount', [mount]);
  rmSync(base, { recursive: true, force: true });
});

const filler = (): string => join(mount, 'filler');

/** Writes `filler` until the file system refuses another byte. */
function fillDisk(): void {
  const fd = openSync(filler(), 'w');
  try {
    for (const size of [256 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          if (writeSync(fd, chunk) < size) break;
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

const freeDisk = (): void => unlinkSync(filler());

async function makeStore(path: string, key?: string): Promise<void> {
  const out = await openInChild({ path, write: 'k', ...(key ? { key } : {}) });
  expect(out.opened, out.message).toBe(true);
}

describe('a full disk at open', () => {
  it('creating a store: IO_ERROR, nothing made (was SIGBUS and a 0-byte data.mdb)', async (ctx) => {
    if (!mounted) ctx.skip();
    fillDisk();
    const out = await openInChild({ path: join(mount, 'a', 'store') });
    expect(out.code, out.message).toBe('IO_ERROR');
    expect(out.message).toMatch(/no space left/);
    expect(readdirSync(mount)).toEqual(['filler']);
    mkdirSync(join(mount, 'empty'));
    const inEmpty = await openInChild({ path: join(mount, 'empty') });
    expect(inEmpty.code, inEmpty.message).toBe('IO_ERROR');
    expect(readdirSync(join(mount, 'empty'))).toEqual([]);
    freeDisk();
    await makeStore(join(mount, 'a', 'store'));
  });

  it('creating an encrypted store: IO_ERROR, no key file left; after freeing space the key still decides', async (ctx) => {
    if (!mounted) ctx.skip();
    fillDisk();
    const path = join(mount, 'enc');
    const out = await openInChild({ path, key: KEY });
    expect(out.code, out.message).toBe('IO_ERROR');
    expect(readdirSync(mount)).toEqual(['filler']);
    freeDisk();
    await makeStore(path, KEY);
    expect((await openInChild({ path })).code).toBe('WRONG_KEY');
    expect(await openInChild({ path, key: KEY, read: 'k' })).toMatchObject({ opened: true, history: ['written'] });
  });

  it('a store whose lock.mdb is missing: IO_ERROR, nothing changed; opens once space is freed', async (ctx) => {
    if (!mounted) ctx.skip();
    const path = join(mount, 's');
    await makeStore(path);
    unlinkSync(join(path, 'lock.mdb'));
    fillDisk();
    const before = snapshotTree(path);
    const out = await openInChild({ path, read: 'k' });
    expect(out.code, out.message).toBe('IO_ERROR');
    expect(snapshotTree(path)).toEqual(before);
    freeDisk();
    expect(await openInChild({ path, read: 'k' })).toMatchObject({ opened: true, history: ['written'] });
  });

  it('a store whose lock.mdb has holes (as LMDB makes it): IO_ERROR while the disk is full', async (ctx) => {
    if (!mounted) ctx.skip();
    const path = join(mount, 's');
    await makeStore(path);
    unlinkSync(join(path, 'lock.mdb'));
    execFileSync('truncate', ['-s', '8272', join(path, 'lock.mdb')]); // sparse: no block on disk
    fillDisk();
    const out = await openInChild({ path, read: 'k' });
    expect(out.code, out.message).toBe('IO_ERROR');
    expect(out.message).toMatch(/lock\.mdb/);
    freeDisk();
    expect(await openInChild({ path, read: 'k' })).toMatchObject({ opened: true, history: ['written'] });
  });

  it('reopening a store turnlog made, while the disk is full: it opens and reads; a write is IO_ERROR', async (ctx) => {
    if (!mounted) ctx.skip();
    const path = join(mount, 's');
    await makeStore(path);
    expect(statSync(join(path, 'lock.mdb')).blocks * 512).toBeGreaterThanOrEqual(8272); // made whole
    fillDisk();
    const out = await openInChild({ path, read: 'k', write: 'k' });
    expect(out.opened, out.message).toBe(true);
    expect(out.history).toEqual(['written']);
    expect(out.writeError?.code).toBe('IO_ERROR');
  });

  it('a backup onto a full disk: IO_ERROR, no destination left, the store unharmed', async (ctx) => {
    if (!mounted) ctx.skip();
    const path = join(mount, 's');
    await makeStore(path);
    fillDisk();
    const script = `import { openSessionLog } from ${JSON.stringify(DIST_ENTRY)};
      const log = openSessionLog({ path: ${JSON.stringify(path)} });
      try { await log.backup(${JSON.stringify(join(mount, 'copy'))}); process.stdout.write('done'); }
      catch (e) { process.stdout.write(e.code + ' ' + e.message); }
      await log.close();`;
    const r = await runNodeWithin(['--input-type=module', '-e', script]);
    expect(r.signal).toBeNull();
    expect(r.stdout).toMatch(/^IO_ERROR/);
    expect(readdirSync(mount).sort()).toEqual(['filler', 's']);
    freeDisk();
    expect(await openInChild({ path, read: 'k' })).toMatchObject({ opened: true, history: ['written'] });
  });
});
