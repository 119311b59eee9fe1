import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { backupMoveOrder, withPrivateUmask } from '../src/storage/backup-files.js';
import { tempDir } from './support/harness.js';
import { expectCode } from './support/messages.js';
import { assertBuilt, ROOT } from './support/processes.js';
import { openInChild, runNodeWithin } from './support/tree.js';

/**
 * A backup is complete or refused, and private from its first byte. Children are killed
 * (SIGKILL) part-way through a backup, then DEST is opened: before, an encrypted backup opened as
 * a valid empty store and a plain one left a half-written data.mdb; its files were 0666 under
 * umask 000.
 */
const KEY = 'k'.repeat(32);
let dir: string;
beforeAll(assertBuilt);
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A store big enough that a copy takes many event-loop turns (about 20 MB). */
async function makeStore(path: string, key?: string): Promise<void> {
  const log = openSessionLog({ path, ...(key ? { encryptionKey: key } : {}) });
  const text = 'x'.repeat(20_000);
  for (let i = 0; i < 600; i++) await log.addMessage(`s${i % 20}`, 'user', `${text} ${i}`);
  await log.close();
}

interface Seen {
  path: string;
  dir: boolean;
  mode: number;
  size: number;
}

/** Every directory under DEST is 0700 and every file 0600. */
function expectOwnerOnly(seen: Seen[]): void {
  for (const e of seen) expect({ path: e.path, mode: (e.mode & 0o777).toString(8) }).toEqual({ path: e.path, mode: e.dir ? '700' : '600' });
}

function listing(dest: string): Seen[] {
  const out: Seen[] = [{ path: '.', dir: true, mode: statSync(dest).mode & 0o777, size: 0 }];
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = statSync(p);
      const r = rel ? `${rel}/${name}` : name;
      out.push({ path: r, dir: s.isDirectory(), mode: s.mode & 0o777, size: s.size });
      if (s.isDirectory()) walk(p, r);
    }
  };
  walk(dest, '');
  return out;
}

for (const kind of ['plain', 'encrypted'] as const) {
  describe(`a ${kind} backup`, () => {
    const key = kind === 'encrypted' ? KEY : undefined;

    it('killed part-way: DEST is refused (CORRUPT), never an empty or partial store; its files were owner-only under umask 000', async () => {
      const store = join(dir, 'store');
      const dest = join(dir, 'dest');
      await makeStore(store, key);
      const r = await runNodeWithin([join(ROOT, 'test/fixtures/backup-killed.mjs'), store, dest, ...(key ? [key] : [])]);
      expect(r.signal, r.stderr).toBe('SIGKILL');
      const report = JSON.parse(r.stdout.trim().split('\n')[0] as string) as { killedDuringBackup: boolean; seen: Seen[] };
      expect(report.killedDuringBackup).toBe(true);
      expectOwnerOnly(report.seen);
      expectOwnerOnly(listing(dest));
      for (const create of [true, false]) {
        const out = await openInChild({ path: dest, create, read: 's0', ...(key ? { key } : {}) });
        expect(out.code, out.message).toBe('CORRUPT');
        expect(out.message).toMatch(/unfinished backup/);
      }
      // a new backup into the same DEST is refused too, and says why
      const log = openSessionLog({ path: store, ...(key ? { encryptionKey: key } : {}) });
      const error = await expectCode(log.backup(dest), 'INVALID_ARGUMENT');
      expect(error.message).toMatch(/interrupted backup/);
      await log.close();
    });

    it('complete under umask 000: owner-only files, the same histories, nothing temporary left', async () => {
      const store = join(dir, 'store');
      const dest = join(dir, 'nested', 'dest');
      await makeStore(store, key);
      const script = `import { openSessionLog } from ${JSON.stringify(join(ROOT, 'dist/src/index.js'))};
        process.umask(0);
        const log = openSessionLog({ path: ${JSON.stringify(store)}${key ? `, encryptionKey: ${JSON.stringify(key)}` : ''} });
        await log.backup(${JSON.stringify(dest)});
        await log.close();`;
      const r = await runNodeWithin(['--input-type=module', '-e', script]);
      expect(r.code, r.stderr).toBe(0);
      expectOwnerOnly(listing(dest));
      expect(readdirSync(dest).sort()).toEqual(key ? ['data.mdb', 'turnlog.key'] : ['data.mdb']);
      const copy = openSessionLog({ path: dest, create: false, ...(key ? { encryptionKey: key } : {}) });
      const original = openSessionLog({ path: store, ...(key ? { encryptionKey: key } : {}) });
      for (let i = 0; i < 20; i++) expect(await copy.getHistory(`s${i}`)).toEqual(await original.getHistory(`s${i}`));
      expect((await copy.verify()).ok).toBe(true);
      await copy.close();
      await original.close();
    });
  });
}

it('the CLI backup under umask 000 writes owner-only files', async () => {
  const store = join(dir, 'store');
  const dest = join(dir, 'dest');
  const log = openSessionLog({ path: store });
  await log.addMessage('k', 'user', 'hello');
  await log.close();
  execFileSync('sh', ['-c', `umask 000 && exec "${process.execPath}" "${join(ROOT, 'dist/src/cli/main.js')}" --path "${store}" backup "${dest}"`], { stdio: 'ignore' });
  expectOwnerOnly(listing(dest));
  expect(readdirSync(dest)).toEqual(['data.mdb']);
});

it('refuses a destination that is a symbolic link or lies inside the store, and writes nothing', async () => {
  const store = join(dir, 'store');
  const log = openSessionLog({ path: store });
  await log.addMessage('k', 'user', 'hello');
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const link = join(dir, 'link');
  symlinkSync(empty, link);
  await expectCode(log.backup(link), 'INVALID_ARGUMENT');
  expect(readdirSync(empty)).toEqual([]);
  const storeFiles = readdirSync(store).sort();
  await expectCode(log.backup(join(store, 'inner')), 'INVALID_ARGUMENT');
  await expectCode(log.backup(store), 'INVALID_ARGUMENT');
  expect(readdirSync(store).sort()).toEqual(storeFiles);
  await log.close();
});

it('overlapping backups, of one log or of several, give the host its umask back', async () => {
  const logs = ['a', 'b'].map((name) => openSessionLog({ path: join(dir, name) }));
  for (const log of logs) await log.addMessage('k', 'user', 'hello');
  const host = process.umask(0o022);
  try {
    const [one, two] = logs as [ReturnType<typeof openSessionLog>, ReturnType<typeof openSessionLog>];
    const first = one.backup(join(dir, 'd1'));
    await new Promise((resolve) => setImmediate(resolve));
    const second = one.backup(join(dir, 'd2'));
    const third = two.backup(join(dir, 'd3'));
    await Promise.all([first, second, third]);
    expect(process.umask().toString(8)).toBe('22');
    // a refused backup among them changes nothing
    const ok = two.backup(join(dir, 'd4'));
    const refused = one.backup(join(dir, 'a'));
    await expect(refused).rejects.toThrow();
    await ok;
    expect(process.umask().toString(8)).toBe('22');
  } finally {
    process.umask(host);
    for (const log of logs) await log.close();
  }
});

it('copies holding the private umask release it in any order: the host gets its umask back, and 077 until the last', async () => {
  const host = process.umask(0o022);
  try {
    for (const lastOut of [0, 1]) {
      const finish: Array<() => void> = [];
      const holders = [0, 1].map((i) => withPrivateUmask(join(dir, `never-${i}`), () => new Promise<void>((resolve) => finish.push(resolve))));
      expect(process.umask().toString(8)).toBe('77');
      (finish[1 - lastOut] as () => void)();
      await holders[1 - lastOut];
      expect(process.umask().toString(8)).toBe('77'); // the other copy's file does not exist yet
      (finish[lastOut] as () => void)();
      await holders[lastOut];
      expect(process.umask().toString(8)).toBe('22');
    }
    // a copy that throws at once releases its hold too
    await expect(withPrivateUmask(join(dir, 'never'), () => { throw new Error('refused'); })).rejects.toThrow('refused');
    expect(process.umask().toString(8)).toBe('22');
  } finally {
    process.umask(host);
  }
});

describe('a backup interrupted between its moves, even with only the partial directory deleted afterwards, never opens as an empty store', () => {
  for (const kind of ['plain', 'encrypted'] as const) {
    it(`${kind}: every interruption point is refused, and deleting only the partial directory gives the whole backup or a refusal`, async () => {
      const key = kind === 'encrypted' ? KEY : undefined;
      const keyed = key ? { encryptionKey: key } : {};
      const store = join(dir, 'store');
      const log = openSessionLog({ path: store, ...keyed });
      for (let i = 0; i < 3; i++) await log.addMessage(`s${i}`, 'user', `hello ${i}`);
      const whole = join(dir, 'whole');
      await log.backup(whole);
      await log.close();
      const names = readdirSync(whole).sort();
      const order = backupMoveOrder(names);
      expect([...order].sort()).toEqual(names);
      // DEST as finishBackup leaves it after `moved` renames: the rest still in the partial directory
      for (let moved = 0; moved <= order.length; moved++) {
        const dest = join(dir, `dest${moved}`);
        const partial = join(dest, '.turnlog-backup-partial');
        mkdirSync(partial, { recursive: true, mode: 0o700 });
        order.forEach((name, i) => copyFileSync(join(whole, name), join(i < moved ? dest : partial, name)));
        for (const create of [true, false]) {
          const out = await openInChild({ path: dest, create, read: 's0', ...(key ? { key } : {}) });
          expect(out.code, out.message).toBe('CORRUPT');
          expect(out.message).toMatch(/unfinished backup.*delete .* with everything in it/);
        }
        rmSync(partial, { recursive: true });
        const out = await openInChild({ path: dest, create: false, read: 's2', ...(key ? { key } : {}) });
        if (out.opened) expect({ moved, history: out.history }).toEqual({ moved, history: ['hello 2'] });
        else expect(['CORRUPT', 'NOT_FOUND']).toContain(out.code);
        if (moved === order.length) expect(out.opened).toBe(true);
        if (!existsSync(join(dest, 'data.mdb'))) expect(out.opened).toBe(false);
      }
    });
  }
});
