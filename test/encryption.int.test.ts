import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';
import { expectCode } from './support/messages.js';
import { assertBuilt, DIST_ENTRY, runNode } from './support/processes.js';

const SECRET = 'the launch code is 0000-PLAINTEXT-MARKER';
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
let dir: string;
let path: string;
beforeAll(assertBuilt);
beforeEach(() => {
  dir = tempDir();
  path = join(dir, 'store');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('a 32-byte Buffer key works (in a child process: the binding aborts on Buffer keys), and no plaintext reaches the disk', async () => {
  const key = randomBytes(32).toString('hex');
  const script = `import { openSessionLog } from ${JSON.stringify(DIST_ENTRY)};
    const key = Buffer.from(${JSON.stringify(key)}, 'hex');
    const log = openSessionLog({ path: ${JSON.stringify(path)}, encryptionKey: key });
    for (let i = 0; i < 50; i++) await log.addMessage('k', 'user', ${JSON.stringify(SECRET)} + ' ' + i);
    await log.setSummary('k', ${JSON.stringify(SECRET)});
    await log.close();
    const again = openSessionLog({ path: ${JSON.stringify(path)}, encryptionKey: key });
    process.stdout.write(String((await again.getHistory('k')).length) + ' ' + (await again.getSummary('k')));
    await again.close();`;
  const r = await runNode(['--input-type=module', '-e', script]);
  expect(r.signal).toBeNull();
  expect(r.stderr).toBe('');
  expect(r.stdout).toBe(`50 ${SECRET}`);
  for (const f of ['data.mdb', 'lock.mdb']) expect(readFileSync(join(path, f)).includes('PLAINTEXT-MARKER'), f).toBe(false);
  expect(statSync(join(path, 'turnlog.key')).mode & 0o777).toBe(0o600);
});

it('a wrong key, a missing key, or a key on a plain store: WRONG_KEY, never an empty store, files untouched', async () => {
  const key = 'k'.repeat(32);
  const log = openSessionLog({ path, encryptionKey: key });
  await log.addMessage('k', 'user', SECRET);
  await log.close();
  const before = sha(join(path, 'data.mdb'));
  await expectCode(() => openSessionLog({ path, encryptionKey: 'w'.repeat(32) }), 'WRONG_KEY');
  await expectCode(() => openSessionLog({ path }), 'WRONG_KEY');
  expect(sha(join(path, 'data.mdb'))).toBe(before);
  const plain = join(dir, 'plain');
  const p = openSessionLog({ path: plain });
  await p.addMessage('k', 'user', 'x');
  await p.close();
  await expectCode(() => openSessionLog({ path: plain, encryptionKey: key }), 'WRONG_KEY');
  await expectCode(() => openSessionLog({ path: join(dir, 'x'), encryptionKey: 'short' }), 'INVALID_ARGUMENT');
  const right = openSessionLog({ path, encryptionKey: key });
  expect(await right.getHistory('k')).toEqual([{ role: 'user', content: SECRET }]);
  // a backup stays encrypted and opens with the same key only
  const copy = join(dir, 'copy');
  await right.backup(copy, { compact: true });
  await right.close();
  expect(readFileSync(join(copy, 'data.mdb')).includes('PLAINTEXT-MARKER')).toBe(false);
  await expectCode(() => openSessionLog({ path: copy }), 'WRONG_KEY');
  const fromCopy = openSessionLog({ path: copy, encryptionKey: key });
  expect(await fromCopy.getHistory('k')).toHaveLength(1);
  expect((await fromCopy.verify()).ok).toBe(true);
  await fromCopy.close();
});

it('a key-check file left without a data file (a creation cut short) binds the directory to its key', async () => {
  const key = 'k'.repeat(32);
  // An interrupted encrypted creation by an older turnlog left only turnlog.key.
  const made = openSessionLog({ path, encryptionKey: key });
  await made.close();
  const keyFile = readFileSync(join(path, 'turnlog.key'));
  rmSync(path, { recursive: true });
  mkdirSync(path);
  writeFileSync(join(path, 'turnlog.key'), keyFile);
  await expectCode(() => openSessionLog({ path }), 'WRONG_KEY'); // never a plain store here
  await expectCode(() => openSessionLog({ path, encryptionKey: 'w'.repeat(32) }), 'WRONG_KEY');
  expect(readdirSync(path)).toEqual(['turnlog.key']);
  const right = openSessionLog({ path, encryptionKey: key });
  await right.addMessage('k', 'user', SECRET);
  await right.close();
  const again = openSessionLog({ path, encryptionKey: key });
  expect(await again.getHistory('k')).toHaveLength(1);
  await again.close();
});
