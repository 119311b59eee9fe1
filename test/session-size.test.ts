import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { openSessionLogOn } from '../src/open.js';
import { MemoryBackend } from '../src/storage/memory-backend.js';
import type { Backend, ReadTxn } from '../src/storage/backend.js';
import { KEY_BOTTOM, KEY_TOP, TABLES } from '../src/core/layout.js';
import type { Key } from '../src/core/layout.js';
import { storedKeyBytes } from '../src/core/record-size.js';
import { everyEventType } from '../src/testing/fork.js';
import { lmdbHarness, memoryHarness } from './support/harness.js';

/** LMDB's own key encoding (the backend passes every key as an array), reached through lmdb, whose dependency it is. */
const orderedBinary = createRequire(createRequire(import.meta.url).resolve('lmdb'))('ordered-binary') as { toBufferKey(key: unknown): Uint8Array };

/** Every record of the store outside the store-wide tables, keys and values. */
function storeBytes(backend: Backend): number {
  return backend.read((tx) => {
    let n = 0;
    for (const t of TABLES) if (t !== 'meta' && t !== 'dead') for (const e of tx.range(t, { low: KEY_BOTTOM, high: KEY_TOP })) n += storedKeyBytes(e.key) + e.value.byteLength;
    return n;
  });
}

/** A backend that counts the rows its reads visit. */
function counting(inner: Backend): { backend: Backend; rows: () => number } {
  let rows = 0;
  const wrap = (tx: ReadTxn): ReadTxn => ({
    get: (t, k) => (rows++, tx.get(t, k)),
    *range(t, o) {
      for (const e of tx.range(t, o)) yield (rows++, e);
    },
  });
  const backend: Backend = { kind: inner.kind, read: (fn) => inner.read((tx) => fn(wrap(tx))), write: (fn) => inner.write(fn), stats: () => inner.stats(), close: () => inner.close() };
  return { backend, rows: () => rows };
}

const clock = (): number => 1_700_000_000_000;

describe('getSessionSize on the key-value store', () => {
  it('counts keys as LMDB encodes them', () => {
    const keys: Key[] = [[0], [7], [12, 3], [1_700_000_000_000.5, 42], [3, 2 ** 40 + 17], ['ab'.repeat(32)], [9, 'cd'.repeat(32)], ['nextSid']];
    for (const k of keys) expect(storedKeyBytes(k), JSON.stringify(k)).toBe(orderedBinary.toBufferKey(k).length);
  });

  it('is every record the session has: with one session, the whole store but its counters', async () => {
    const backend = new MemoryBackend();
    const log = openSessionLogOn(backend, { clock, checkpointEvery: 4, replayWindow: Infinity });
    await everyEventType(log, 'k');
    await log.addMessage('k', 'user', 'x'.repeat(5000)); // a sealed chunk or two
    const size = await log.getSessionSize('k');
    expect(size?.bytes).toBe(storeBytes(backend));
    expect(size?.events).toBe((await log.getSession('k'))?.version);
    await log.close();
  });

  it('is the same on LMDB and in memory', async () => {
    const sizes = [];
    for (const factory of [lmdbHarness, memoryHarness]) {
      const h = factory();
      const log = await h.open({ clock, checkpointEvery: 4 });
      await everyEventType(log, 'k');
      await log.forkSession('k', 'f');
      sizes.push([await log.getSessionSize('k'), await log.getSessionSize('f')]);
      await h.dispose();
    }
    expect(sizes[0]).toEqual(sizes[1]);
  });

  it('reads the session\'s own rows only, however large the others are', async () => {
    const { backend, rows } = counting(new MemoryBackend());
    const log = openSessionLogOn(backend, { clock, checkpointEvery: 4 });
    await log.addMessage('small', 'user', 'hi');
    for (let i = 0; i < 300; i++) await log.addMessage('large', 'user', `m${i}`);
    const before = rows();
    await log.getSessionSize('small');
    // dir, head (twice: looked up, then read), state, recent, one event, its chunk/checkpoint rows.
    expect(rows() - before).toBeLessThan(12);
    await log.close();
  });
});
