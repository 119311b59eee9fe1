import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';
import { expectCode } from './support/messages.js';
import { assertBuilt } from './support/processes.js';
import { openInChild, snapshotTree } from './support/tree.js';

/** Paths that are not stores are refused with their true code, and every file is left as it was. */
let dir: string;
beforeAll(assertBuilt);
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function makeStore(path: string): Promise<void> {
  const log = openSessionLog({ path });
  await log.addMessage('k', 'user', 'hello');
  await log.close();
}

async function expectUntouched(path: string, code: 'CORRUPT' | 'INVALID_ARGUMENT' | 'NOT_FOUND', create = true): Promise<string> {
  const before = snapshotTree(dir);
  const error = await expectCode(() => openSessionLog({ path, create }), code);
  expect(snapshotTree(dir)).toEqual(before);
  return error.message;
}

describe('data files that are not stores', () => {
  it('a data.mdb shorter than its meta page (24 bytes): CORRUPT, not a RangeError', async () => {
    mkdirSync(join(dir, 's'));
    writeFileSync(join(dir, 's', 'data.mdb'), Buffer.alloc(24, 0x41));
    expect(await expectUntouched(join(dir, 's'), 'CORRUPT')).toMatch(/shorter than an LMDB meta page/);
    writeFileSync(join(dir, 's', 'data.mdb'), Buffer.alloc(3, 0x41));
    await expectUntouched(join(dir, 's'), 'CORRUPT');
  });

  it('a 0-byte data.mdb: CORRUPT, not a new empty store', async () => {
    mkdirSync(join(dir, 's'));
    writeFileSync(join(dir, 's', 'data.mdb'), '');
    expect(await expectUntouched(join(dir, 's'), 'CORRUPT')).toMatch(/0 bytes/);
  });
});

describe('a refused open writes nothing, not even lock.mdb', () => {
  /** Opens `path` in a child (a damaged page may crash the binding), expects `code`, and that nothing under `dir` changed. */
  async function expectRefusedInChild(path: string, code: string, create: boolean): Promise<string> {
    const before = snapshotTree(dir);
    const out = await openInChild({ path, read: 'k', create });
    expect(out.code, out.message).toBe(code);
    expect(snapshotTree(dir)).toEqual(before);
    return out.message ?? '';
  }

  it('a data.mdb cut to its first page, alone in its directory: CORRUPT and no lock.mdb (one was created)', async () => {
    await makeStore(join(dir, 'store'));
    mkdirSync(join(dir, 'w'));
    writeFileSync(join(dir, 'w', 'data.mdb'), readFileSync(join(dir, 'store', 'data.mdb')).subarray(0, 4096));
    for (const create of [false, true]) expect(await expectRefusedInChild(join(dir, 'w'), 'CORRUPT', create)).toMatch(/left untouched/);
    expect(readdirSync(join(dir, 'w'))).toEqual(['data.mdb']);
  });

  it('a data.mdb with damaged pages, alone in its directory: CORRUPT and no lock.mdb (one was created)', async () => {
    await makeStore(join(dir, 'store'));
    mkdirSync(join(dir, 'w'));
    const data = join(dir, 'w', 'data.mdb');
    copyFileSync(join(dir, 'store', 'data.mdb'), data);
    const size = readFileSync(data).length;
    const fd = openSync(data, 'r+');
    writeSync(fd, Buffer.alloc(size - 8192, 0x41), 0, size - 8192, 8192); // every page after the two meta pages
    closeSync(fd);
    for (const create of [false, true]) expect(await expectRefusedInChild(join(dir, 'w'), 'CORRUPT', create)).toMatch(/damaged/);
    expect(readdirSync(join(dir, 'w'))).toEqual(['data.mdb']);
  });
});

describe('directories that hold no store', () => {
  it('a project folder: INVALID_ARGUMENT (NOT_FOUND with create: false), nothing written', async () => {
    const project = join(dir, 'project');
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(join(project, 'package.json'), '{}');
    writeFileSync(join(project, 'src', 'index.ts'), 'export {};');
    expect(await expectUntouched(project, 'INVALID_ARGUMENT')).toMatch(/not empty and holds no turnlog store/);
    await expectUntouched(project, 'NOT_FOUND', false);
  });

  it('a picoclaw sessions folder given as the store path: INVALID_ARGUMENT, nothing written', async () => {
    const sessions = join(dir, 'sessions');
    mkdirSync(sessions);
    writeFileSync(join(sessions, 'telegram_123.json'), '{"key":"telegram:123","messages":[]}');
    writeFileSync(join(sessions, 'telegram_123.meta.json'), '{}');
    await expectUntouched(sessions, 'INVALID_ARGUMENT');
  });

  it('an empty directory, or one holding only a lock file, becomes a store', async () => {
    mkdirSync(join(dir, 'empty'));
    await makeStore(join(dir, 'empty'));
    mkdirSync(join(dir, 'lockonly'));
    writeFileSync(join(dir, 'lockonly', 'lock.mdb'), Buffer.alloc(8272));
    await makeStore(join(dir, 'lockonly'));
    expect(readdirSync(join(dir, 'lockonly')).sort()).toEqual(['data.mdb', 'lock.mdb']);
  });

  it('a directory holding an unfinished backup: CORRUPT, with or without create', async () => {
    const dest = join(dir, 'dest');
    mkdirSync(join(dest, '.turnlog-backup-partial'), { recursive: true });
    writeFileSync(join(dest, '.turnlog-backup-partial', 'data.mdb'), Buffer.alloc(8192));
    expect(await expectUntouched(dest, 'CORRUPT')).toMatch(/unfinished backup/);
    await expectUntouched(dest, 'CORRUPT', false);
  });

  it('a directory holding a data.mdb beside an unfinished backup: CORRUPT until the backup removes its partial directory', async () => {
    await makeStore(join(dir, 'store'));
    const dest = join(dir, 'dest');
    mkdirSync(join(dest, '.turnlog-backup-partial'), { recursive: true });
    copyFileSync(join(dir, 'store', 'data.mdb'), join(dest, 'data.mdb'));
    expect(await expectUntouched(dest, 'CORRUPT')).toMatch(/unfinished backup.*delete .*dest with everything in it/);
    await expectUntouched(dest, 'CORRUPT', false);
  });

  it('a path with an extension is a directory like any other (nothing is created beside it)', async () => {
    const path = join(dir, 'sessions.turnlog');
    await makeStore(path);
    expect(readdirSync(dir)).toEqual(['sessions.turnlog']);
    expect(readdirSync(path).sort()).toEqual(['data.mdb', 'lock.mdb']);
    const log = openSessionLog({ path, create: false });
    expect(await log.getHistory('k')).toHaveLength(1);
    await log.close();
  });

  it('processes creating one store at once end with one store holding every write', async () => {
    const path = join(dir, 'raced');
    const outs = await Promise.all(Array.from({ length: 4 }, () => openInChild({ path, write: 'k' })));
    for (const out of outs) expect(out).toMatchObject({ opened: true, wrote: true });
    expect(readdirSync(path).sort()).toEqual(['data.mdb', 'lock.mdb']);
    const log = openSessionLog({ path, create: false });
    expect(await log.getHistory('k')).toHaveLength(4);
    await log.close();
  });

  it('a new store leaves no temporary file behind', async () => {
    const path = join(dir, 'fresh');
    await makeStore(path);
    expect(readdirSync(path).sort()).toEqual(['data.mdb', 'lock.mdb']);
  });
});

describe('file-system refusals are IO_ERROR with the path and the reason', () => {
  let mount: string;
  let mounted = false;
  beforeAll(() => {
    mount = join(tempDir('turnlog-ro-'), 'fs');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mount], { stdio: 'ignore' });
      mounted = true;
    } catch {
      console.log('store-paths: skipping the read-only file-system case: mounting a tmpfs needs root');
    }
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [mount]);
    rmSync(dirname(mount), { recursive: true, force: true });
  });

  it('a read-only file system: IO_ERROR naming the path (was CORRUPT)', async (ctx) => {
    if (!mounted) ctx.skip();
    await makeStore(join(mount, 's'));
    execFileSync('mount', ['-o', 'remount,ro', mount]);
    try {
      const existing = await openInChild({ path: join(mount, 's'), read: 'k' });
      expect(existing.code, existing.message).toBe('IO_ERROR');
      expect(existing.message).toContain(join(mount, 's'));
      expect(existing.message).toMatch(/read-only/);
      const fresh = await openInChild({ path: join(mount, 'new', 'store') });
      expect(fresh.code, fresh.message).toBe('IO_ERROR');
      expect(fresh.message).toMatch(/read-only/);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mount]);
    }
    expect(readdirSync(mount)).toEqual(['s']);
  });

  it('a store this user may not read: IO_ERROR naming the path (was NOT_FOUND or a raw EACCES)', async (ctx) => {
    if (process.getuid?.() !== 0) {
      console.log('store-paths: skipping the permission case: it runs the child as another user, which needs root');
      ctx.skip();
    }
    // Root reads everything, so the child runs as "nobody" (uid 65534).
    chmodSync(dir, 0o755);
    const store = join(dir, 's');
    await makeStore(store);
    chmodSync(store, 0o755); // listable, but data.mdb and lock.mdb stay 0600, owned by root
    const before = snapshotTree(dir);
    const nobody = { uid: 65534, gid: 65534 };
    const unreadable = await openInChild({ path: store, read: 'k' }, nobody);
    expect(unreadable.code, unreadable.message).toBe('IO_ERROR');
    expect(unreadable.message).toContain(join(store, 'data.mdb'));
    expect(unreadable.message).toMatch(/permission denied/);
    chmodSync(store, 0o700); // not even listable
    const hidden = await openInChild({ path: store, read: 'k', create: false }, nobody);
    expect(hidden.code, hidden.message).toBe('IO_ERROR');
    expect(hidden.message).toMatch(/permission denied/);
    chmodSync(store, 0o755);
    expect(snapshotTree(dir)).toEqual(before);
    expect(existsSync(join(store, 'data.mdb'))).toBe(true);
  });
});
