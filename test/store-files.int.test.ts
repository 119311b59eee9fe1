import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { Packr } from 'msgpackr';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { expectCode } from './support/messages.js';
import { snapshotTree } from './support/tree.js';
import { tempDir } from './support/harness.js';

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function makeStore(path: string): Promise<void> {
  const log = openSessionLog({ path });
  await log.addMessage('k', 'user', 'hello');
  await log.close();
}

describe('opening what is not a turnlog store', () => {
  it('a plain file: CORRUPT, file untouched', async () => {
    const file = join(dir, 'sessions.json');
    writeFileSync(file, '{"a":1}');
    await expectCode(() => openSessionLog({ path: file }), 'CORRUPT');
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}');
  });

  it('a data.mdb that is not LMDB: CORRUPT, untouched, no lock file created', async () => {
    mkdirSync(join(dir, 's'));
    const data = join(dir, 's', 'data.mdb');
    writeFileSync(data, Buffer.alloc(65536, 0x41));
    const before = sha(data);
    await expectCode(() => openSessionLog({ path: join(dir, 's') }), 'CORRUPT');
    expect(sha(data)).toBe(before);
    expect(existsSync(join(dir, 's', 'lock.mdb'))).toBe(false);
  });

  it('a truncated data.mdb: CORRUPT, untouched', async () => {
    const path = join(dir, 's');
    await makeStore(path);
    const data = join(path, 'data.mdb');
    truncateSync(data, 4096 * 3);
    const before = sha(data);
    await expectCode(() => openSessionLog({ path }), 'CORRUPT');
    expect(sha(data)).toBe(before);
  });

  it('an LMDB database of another program: CORRUPT, untouched', async () => {
    const path = join(dir, 'other');
    const other = open({ path });
    await other.openDB({ name: 'things' }).put('x', { y: 1 });
    await other.close();
    const before = sha(join(path, 'data.mdb'));
    await expectCode(() => openSessionLog({ path }), 'CORRUPT');
    expect(sha(join(path, 'data.mdb'))).toBe(before);
  });

  it('a store of a newer format: UNSUPPORTED_FORMAT, untouched', async () => {
    const path = join(dir, 's');
    await makeStore(path);
    const raw = open({ path, encoding: 'binary' });
    await raw.put('turnlog:format', new Packr({ useRecords: false }).pack({ format: 99, createdAt: 0 }));
    await raw.close();
    const before = sha(join(path, 'data.mdb'));
    await expectCode(() => openSessionLog({ path }), 'UNSUPPORTED_FORMAT');
    expect(sha(join(path, 'data.mdb'))).toBe(before);
  });

  describe('refused before lock.mdb is made: a data file copied without its lock file', () => {
    /** An LMDB env of another program with `count` root keys (many keys: a B-tree of several levels). */
    async function foreignEnv(path: string, count: number, format?: number): Promise<void> {
      const raw = open({ path, encoding: 'binary' });
      await raw.transaction(() => {
        for (let i = 0; i < count; i++) void raw.put(`key-${String(i).padStart(6, '0')}-${'v'.repeat(40)}`, Buffer.from('x'));
        if (format !== undefined) void raw.put('turnlog:format', new Packr({ useRecords: false }).pack({ format, createdAt: 0 }));
      });
      await raw.close();
      rmSync(join(path, 'lock.mdb'));
    }

    async function expectRefusedUntouched(path: string, code: 'CORRUPT' | 'UNSUPPORTED_FORMAT'): Promise<void> {
      const before = snapshotTree(dir);
      for (const create of [true, false]) await expectCode(() => openSessionLog({ path, create }), code);
      expect(snapshotTree(dir)).toEqual(before);
      expect(readdirSync(path)).toEqual(['data.mdb']);
    }

    for (const count of [1, 5000]) {
      it(`another program's database with ${count} key(s): CORRUPT, no lock.mdb`, async () => {
        await foreignEnv(join(dir, 'other'), count);
        await expectRefusedUntouched(join(dir, 'other'), 'CORRUPT');
      });

      it(`a newer format among ${count} other key(s): UNSUPPORTED_FORMAT, no lock.mdb`, async () => {
        await foreignEnv(join(dir, 'newer'), count, 99);
        await expectRefusedUntouched(join(dir, 'newer'), 'UNSUPPORTED_FORMAT');
      });
    }

    it('a current format among 5000 other keys is found (the B-tree descent) and opens', async () => {
      const path = join(dir, 'ours');
      await foreignEnv(path, 5000, 1);
      const log = openSessionLog({ path, create: false });
      await log.close();
    });
  });

  it('a healthy store whose meta page counts pages past the end of the file opens (LMDB leaves such pages unwritten)', async () => {
    const path = join(dir, 's');
    await makeStore(path);
    const data = join(path, 'data.mdb');
    const bytes = readFileSync(data);
    for (const meta of [0, 4096]) bytes.writeBigUInt64LE(bytes.readBigUInt64LE(meta + 0x90) + 50n, meta + 0x90); // last page number
    writeFileSync(data, bytes);
    for (const checkOnOpen of ['full', 'quick'] as const) {
      const log = openSessionLog({ path, checkOnOpen });
      expect((await log.getHistory('k'))[0]).toEqual({ role: 'user', content: 'hello' });
      await log.addMessage('k', 'user', `still writable (${checkOnOpen})`);
      expect((await log.verify()).ok).toBe(true);
      await log.close();
    }
  });

  it('a missing store with create: false: NOT_FOUND, nothing created', async () => {
    const path = join(dir, 'nope');
    await expectCode(() => openSessionLog({ path, create: false }), 'NOT_FOUND');
    expect(existsSync(path)).toBe(false);
  });

  it('rejects bad options', async () => {
    await expectCode(() => openSessionLog({ path: '' }), 'INVALID_ARGUMENT');
    await expectCode(() => openSessionLog({ path: join(dir, 'x'), durability: 'sometimes' as never }), 'INVALID_ARGUMENT');
    await expectCode(() => openSessionLog({ path: join(dir, 'x'), checkpointEvery: 0 }), 'INVALID_ARGUMENT');
    await expectCode(() => openSessionLog({ path: join(dir, 'x'), maxMessageBytes: -1 }), 'INVALID_ARGUMENT');
  });
});

describe('a new store', () => {
  it('is private: directory 0700, files 0600', async () => {
    const path = join(dir, 'nested', 'store');
    await makeStore(path);
    expect(statSync(path).mode & 0o777).toBe(0o700);
    for (const f of ['data.mdb', 'lock.mdb']) expect(statSync(join(path, f)).mode & 0o777).toBe(0o600);
  });

  it('keeps flushed writes across reopen (default durability)', async () => {
    const path = join(dir, 's');
    await makeStore(path);
    const log = openSessionLog({ path, create: false });
    expect(await log.getHistory('k')).toEqual([{ role: 'user', content: 'hello' }]);
    await log.close();
  });
});

describe('keys and contents are data', () => {
  it('path-like and code-like keys and contents create no files and run nothing', async () => {
    const path = join(dir, 'store');
    const keys = ['../../../../tmp/escaped', '/etc/passwd', 'C:\\Windows\\x', '$(touch pwned)', '`touch pwned`', '%s%n', '\u0000nul', 'a/b/c'];
    const log = openSessionLog({ path });
    for (const key of keys) await log.addMessage(key, 'user', "'); require('child_process').execSync('touch pwned'); ('");
    for (const key of keys) expect(await log.getHistory(key)).toHaveLength(1);
    await log.close();
    expect(readdirSync(path).sort()).toEqual(['data.mdb', 'lock.mdb']);
    expect(readdirSync(dir)).toEqual(['store']);
    expect(existsSync('pwned')).toBe(false);
  });
});
