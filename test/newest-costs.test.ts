import { describe, expect, it } from 'vitest';
import { openSessionLogOn } from '../src/open.js';
import { decodeChunk, encodeNumber } from '../src/core/codec.js';
import { eventIdKey, REGION_SPAN, regionOf } from '../src/core/layout.js';
import { findHead } from '../src/engine/reader.js';
import { MemoryBackend } from '../src/storage/memory-backend.js';
import { CountingBackend } from './support/counting-backend.js';

/** Costs of the newest-message operations, by counting rows and bytes (never time). */
const message = (i: number) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i} `.padEnd(200, 'x') });
const batch = (from: number, n: number) => Array.from({ length: n }, (_, j) => message(from + j));

async function session(length: number, checkpointEvery = 16): Promise<{ backend: CountingBackend; log: ReturnType<typeof openSessionLogOn> }> {
  const backend = new CountingBackend();
  const log = openSessionLogOn(backend, { checkpointEvery });
  for (let i = 0; i < length; i += 100) await log.addMessages('k', batch(i, 100));
  return { backend, log };
}

describe('costs of the newest messages', () => {
  it('getHistory last n reads O(n) rows, whatever the history length', async () => {
    const rows: number[] = [];
    for (const length of [1_000, 10_000]) {
      const { backend, log } = await session(length, 4);
      backend.reset();
      const last = await log.getHistory('k', { last: 5 });
      rows.push(backend.rowsRead);
      expect(last.map((m) => m.content)).toEqual(batch(length - 5, 5).map((m) => m.content));
      backend.reset();
      await log.getHistory('k');
      if (length === 10_000) expect(backend.rowsRead, 'the whole history reads more').toBeGreaterThan(2 * (rows[rows.length - 1] as number));
      await log.close();
    }
    // Directory, head, checkpoint, the tail events since it (fewer than checkpointEvery = 4) and
    // the one or two chunks holding the last 5: the same bound at 1,000 and at 10,000 messages.
    for (const r of rows) expect(r, `rows read for last 5: ${rows.join(' vs ')}`).toBeLessThanOrEqual(3 + 4 + 2);
  });

  it('removeLast and replaceLast write bytes independent of the history length, also when the removed messages are sealed', async () => {
    const written: Array<{ pop: number; popSealed: number; replace: number }> = [];
    for (const length of [1_000, 10_000]) {
      // checkpointEvery 1: every message is sealed in a chunk right away, so every removal reaches sealed positions.
      const { backend, log } = await session(length, 1);
      backend.reset();
      const popped = await log.removeLast('k', 1);
      const popSealed = backend.bytesWritten;
      expect(popped.removed).toEqual([message(length - 1)]);
      await log.close();
      const tail = await session(length, 1_000_000);
      tail.backend.reset();
      await tail.log.removeLast('k', 1);
      const pop = tail.backend.bytesWritten;
      tail.backend.reset();
      await tail.log.replaceLast('k', 2, [message(0)]);
      written.push({ pop, popSealed, replace: tail.backend.bytesWritten });
      expect((await tail.log.getSession('k'))?.messageCount).toBe(length - 2);
      await tail.log.close();
    }
    const [small, large] = written as [(typeof written)[number], (typeof written)[number]];
    // A few bytes more for longer numbers; nothing that grows with the history (one message is ~220 bytes).
    expect(large.pop - small.pop, JSON.stringify(written)).toBeLessThan(16);
    expect(large.popSealed - small.popSealed, JSON.stringify(written)).toBeLessThan(64);
    expect(large.replace - small.replace, JSON.stringify(written)).toBeLessThan(16);
    expect(large.popSealed).toBeLessThan(2_000);
  });

  it('a removal that reaches sealed messages seals what follows in a new chunk region', async () => {
    const backend = new MemoryBackend();
    const log = openSessionLogOn(backend, { checkpointEvery: 1 });
    await log.addMessages('k', batch(0, 10));
    await log.removeLast('k', 3);
    const head = backend.read((tx) => findHead(tx, 'k'));
    expect(head?.regions).toEqual([[7, 1]]);
    await log.addMessages('k', batch(100, 2));
    const keys = backend.read((tx) => [...tx.range('chunks', { low: [head?.sid ?? 0, 0], high: [head?.sid ?? 0, Number.MAX_SAFE_INTEGER] })].map((e) => e.key[1]));
    expect(keys).toContain(REGION_SPAN + 7);
    expect((await log.getHistory('k')).map((m) => m.content)).toEqual([...batch(0, 7), ...batch(100, 2)].map((m) => m.content));
    expect((await log.getHistory('k', { atVersion: 1 })).map((m) => m.content)).toEqual(batch(0, 10).map((m) => m.content));
    expect((await log.verify()).mismatches).toEqual([]);
    await log.close();
  });

  it('GC removes the chunks that removals replaced once no kept version reads them', async () => {
    const backend = new MemoryBackend();
    let now = 1_000;
    const log = openSessionLogOn(backend, { checkpointEvery: 1, replayWindow: 0, clock: () => now });
    for (let i = 0; i < 20; i++) {
      await log.addMessages('k', batch(i * 10, 4));
      await log.removeLast('k', 2 + (i % 3));
      now += 10;
    }
    const expected = await log.getHistory('k');
    const chunks = (): Array<{ key: number; count: number }> =>
      backend.read((tx) => [...tx.range('chunks', { low: [1, 0], high: [1, Number.MAX_SAFE_INTEGER] })].map((e) => ({ key: e.key[1] as number, count: decodeChunk(e.value).length })));
    const before = chunks().length;
    await log.gc({ now: now + 1 });
    const head = backend.read((tx) => findHead(tx, 'k'));
    const left = chunks();
    expect(left.length).toBeLessThan(before);
    // Every chunk left holds a position the current history reads from that chunk's region.
    for (const c of left) {
      const region = Math.floor(c.key / REGION_SPAN);
      const pos = c.key % REGION_SPAN;
      expect(regionOf(head?.regions, pos), `chunk ${c.key}`).toBe(region);
      expect(pos + c.count).toBeGreaterThan(head?.start ?? 0);
    }
    expect(await log.getHistory('k')).toEqual(expected);
    expect((await log.verify()).mismatches).toEqual([]);
    await log.close();
  });

  it('an event id stored before fingerprints (a bare version) is taken as the same change', async () => {
    const backend = new MemoryBackend();
    const log = openSessionLogOn(backend);
    await log.addMessage('k', 'user', 'x', { eventId: 'old' });
    const sid = backend.read((tx) => findHead(tx, 'k'))?.sid ?? 0;
    await backend.write((tx) => tx.put('eventIds', eventIdKey(sid, 'old'), encodeNumber(1)));
    expect(await log.addMessage('k', 'user', 'different', { eventId: 'old' })).toEqual({ version: 1, duplicate: true });
    expect((await log.getSession('k'))?.version).toBe(1);
    await log.close();
  });
});
