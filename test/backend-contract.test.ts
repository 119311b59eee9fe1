import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../src/storage/backend.js';
import { LmdbBackend } from '../src/storage/lmdb-backend.js';
import { MemoryBackend } from '../src/storage/memory-backend.js';
import { tempDir } from './support/harness.js';

/** The Backend contract the engine relies on, for every backend. */
const backends: Array<{ name: string; open: () => { backend: Backend; dispose: () => Promise<void> } }> = [
  { name: 'memory', open: () => ({ backend: new MemoryBackend(), dispose: async () => undefined }) },
  {
    name: 'lmdb',
    open: () => {
      const dir = tempDir();
      const backend = new LmdbBackend({ path: join(dir, 's'), create: true, now: 0, checkOnOpen: 'auto', encryptionKey: undefined });
      return { backend, dispose: async () => (await backend.close(), rmSync(dir, { recursive: true, force: true })) };
    },
  },
];

const bytes = (s: string) => new TextEncoder().encode(s);

for (const b of backends) {
  describe(`backend contract: ${b.name}`, () => {
    it('a write whose function throws commits nothing of what it wrote', async () => {
      const { backend, dispose } = b.open();
      try {
        await backend.write((tx) => tx.put('meta', ['kept'], bytes('1')));
        await expect(
          backend.write((tx) => {
            tx.put('meta', ['half'], bytes('2'));
            tx.del('meta', ['kept']);
            throw new Error('changed my mind');
          }),
        ).rejects.toThrow('changed my mind');
        backend.read((tx) => {
          expect(tx.get('meta', ['half'])).toBeUndefined();
          expect(Buffer.from(tx.get('meta', ['kept']) ?? []).toString()).toBe('1');
        });
      } finally {
        await dispose();
      }
    });

    it('a keys-only range yields the same keys as a full one', async () => {
      const { backend, dispose } = b.open();
      try {
        await backend.write((tx) => {
          for (let i = 0; i < 5; i++) tx.put('chunks', [1, i * 10], bytes(`c${i}`));
        });
        backend.read((tx) => {
          for (const reverse of [false, true]) {
            const o = { low: [1, 10], high: [1, 40], reverse };
            const full = [...tx.range('chunks', o)].map((e) => e.key);
            const keys = [...tx.range('chunks', { ...o, keysOnly: true })].map((e) => e.key);
            expect(keys).toEqual(full);
            expect(full).toEqual(reverse ? [[1, 30], [1, 20], [1, 10]] : [[1, 10], [1, 20], [1, 30]]);
          }
        });
      } finally {
        await dispose();
      }
    });
  });
}
