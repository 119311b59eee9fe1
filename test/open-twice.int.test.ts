import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';
import { expectCode } from './support/messages.js';
import { assertBuilt, DIST_ENTRY, runNode } from './support/processes.js';

/**
 * LMDB allows one environment per store and process, and the binding shares one between the
 * handles of a process: two handles' read transactions took the same reader slot, and once
 * another process had written, reads failed with LMDB's raw MDB_BAD_RSLOT. Logs opened on one
 * store in one process now share one backend, by whatever path they name it.
 */
beforeAll(assertBuilt);

/** Another process appends `content` to session `k` of the store at `path`. */
async function appendElsewhere(path: string, content: string): Promise<void> {
  const script = `const { openSessionLog } = await import(${JSON.stringify(DIST_ENTRY)}); const log = openSessionLog({ path: ${JSON.stringify(path)} }); await log.addMessage('k', 'user', ${JSON.stringify(content)}); await log.close();`;
  const r = await runNode(['--input-type=module', '-e', script]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

describe('several logs on one store in one process', () => {
  it('read and write beside each other and beside another process, by any path to the store', async () => {
    const dir = tempDir();
    const path = join(dir, 's');
    symlinkSync(path, join(dir, 'link'), 'dir');
    const a = openSessionLog({ path });
    await a.addMessage('k', 'user', 'one');
    const b = openSessionLog({ path: join(dir, 'link') });
    const c = openSessionLog({ path: `${path}/`, maxMessageBytes: 100 });
    await appendElsewhere(path, 'two');
    for (const log of [a, b, c]) expect((await log.getHistory('k')).map((m) => m.content)).toEqual(['one', 'two']);
    await b.addMessage('k', 'assistant', 'three');
    await appendElsewhere(path, 'four');
    expect((await a.getHistory('k')).map((m) => m.content)).toEqual(['one', 'two', 'three', 'four']);
    // Each keeps its own options.
    await expectCode(c.addMessage('k', 'user', 'x'.repeat(200)), 'TOO_LARGE');
    await a.addMessage('k', 'user', 'x'.repeat(200));
    // Closing one leaves the others working; the store closes with the last.
    await b.close();
    await expectCode(b.getHistory('k'), 'CLOSED');
    expect(await a.getHistory('k')).toHaveLength(5);
    await Promise.all([a.close(), c.close()]);
    const again = openSessionLog({ path });
    expect(await again.getHistory('k')).toHaveLength(5);
    await again.close();
  });

  it('an open racing the close of the last log either shares it or is refused, never a second handle', async () => {
    // Before, an open a few microtasks into a close made a second handle on the environment being
    // closed: its reads failed with MDB_BAD_RSLOT and its first write never settled.
    for (let turns = 0; turns <= 8; turns++) {
      const path = join(tempDir(), 's');
      const a = openSessionLog({ path });
      await a.addMessage('k', 'user', 'one');
      const closing = a.close();
      for (let i = 0; i < turns; i++) await Promise.resolve();
      let b: ReturnType<typeof openSessionLog> | undefined;
      try {
        b = openSessionLog({ path });
      } catch (error) {
        expect(error, `after ${turns} turns`).toMatchObject({ code: 'INVALID_ARGUMENT' });
        expect((error as Error).message).toContain('being closed');
      }
      await closing;
      b ??= openSessionLog({ path });
      await appendElsewhere(path, 'two');
      await b.addMessage('k', 'assistant', 'three');
      expect((await b.getHistory('k')).map((m) => m.content), `after ${turns} turns`).toEqual(['one', 'two', 'three']);
      await b.close();
    }
  });

  it('refuses another encryption key for a store already open, and opens nothing', async () => {
    const path = join(tempDir(), 's');
    const plain = openSessionLog({ path });
    await plain.addMessage('k', 'user', 'hello');
    // A malformed key is the same error as on a store nobody has open.
    await expectCode(() => openSessionLog({ path, encryptionKey: Buffer.alloc(31, 7) }), 'INVALID_ARGUMENT');
    await expectCode(() => openSessionLog({ path, encryptionKey: Buffer.alloc(32, 7) }), 'WRONG_KEY');
    expect(await plain.getHistory('k')).toHaveLength(1);
    await plain.close();
  });
});
