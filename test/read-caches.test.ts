import { describe, expect, it } from 'vitest';
import { openSessionLogOn } from '../src/open.js';
import { CountingBackend } from './support/counting-backend.js';

/**
 * The per-process read caches of a history read (decoded tail events, sealed chunks found
 * without a range read), counted in rows and checked against a log that caches nothing.
 */
const message = (i: number) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i} `.padEnd(200, 'x') });

describe('history read caches', () => {
  it('a read after another log appended reads the directory, the head and the new event only', async () => {
    const backend = new CountingBackend();
    const log = openSessionLogOn(backend, { checkpointEvery: 32 });
    const other = openSessionLogOn(backend, { checkpointEvery: 32 });
    for (let i = 0; i < 120; i++) await other.addFullMessage('k', message(i));
    await log.getHistory('k'); // 24 events since the checkpoint at 96, three chunks: now cached
    await other.addFullMessage('k', message(120));
    backend.reset();
    const history = await log.getHistory('k');
    expect(history).toHaveLength(121);
    // The cached history of version 120 moved on by event 121: no checkpoint, no chunk.
    expect(backend.rowsRead).toBe(3);
    await log.close();
    await other.close();
  });

  it('a read after an append by the same log reads the directory and the head only', async () => {
    const backend = new CountingBackend();
    const log = openSessionLogOn(backend, { checkpointEvery: 32 });
    for (let i = 0; i < 120; i++) await log.addFullMessage('k', message(i));
    await log.getHistory('k');
    for (let i = 120; i < 130; i++) {
      // Version 128 is a checkpoint: the cached history moves on past it all the same.
      await log.addFullMessage('k', message(i));
      backend.reset();
      expect(await log.getHistory('k')).toHaveLength(i + 1);
      expect(backend.rowsRead).toBe(2);
    }
    await log.close();
  });

  it('a read of an unchanged session reads the directory and the head only, also for the newest few', async () => {
    const backend = new CountingBackend();
    const log = openSessionLogOn(backend, { checkpointEvery: 32 });
    for (let i = 0; i < 120; i++) await log.addFullMessage('k', message(i));
    const first = await log.getHistory('k');
    backend.reset();
    expect(await log.getHistory('k')).toEqual(first);
    expect(backend.rowsRead).toBe(2);
    backend.reset();
    expect(await log.getHistory('k', { last: 5 })).toEqual(first.slice(-5));
    expect(backend.rowsRead).toBe(2);
    await log.close();
  });

  it('callers changing what a read returned change nothing a later read returns', async () => {
    const log = openSessionLogOn(new CountingBackend(), { checkpointEvery: 4 });
    const call = { id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } };
    for (let i = 0; i < 10; i++) await log.addFullMessage('k', i === 5 ? { role: 'assistant', content: null, tool_calls: [call] } : message(i));
    const before = JSON.stringify(await log.getHistory('k'));
    for (const got of [await log.getHistory('k'), await log.getHistory('k', { last: 6 })]) {
      ((got.find((m) => m['tool_calls'] !== undefined)?.['tool_calls'] as Array<typeof call>)[0] as typeof call).function.name = 'changed';
      for (const m of got) m.content = 'changed';
      got.push(message(99));
      got.splice(0, 2);
      expect(JSON.stringify(await log.getHistory('k'))).toBe(before);
    }
    await log.addFullMessage('k', message(10));
    expect(JSON.stringify((await log.getHistory('k')).slice(0, 10))).toBe(before);
    await log.close();
  });

  it('a cached history older than what GC kept is read again from the checkpoint, not moved on over collected events', async () => {
    let now = 1_000;
    const backend = new CountingBackend();
    const log = openSessionLogOn(backend, { checkpointEvery: 32, replayWindow: 0, clock: () => (now += 1) });
    const other = openSessionLogOn(backend, { checkpointEvery: 32, replayWindow: 0, clock: () => (now += 1) });
    for (let i = 0; i < 60; i++) await other.addFullMessage('k', message(i));
    await log.getHistory('k'); // version 60 cached
    for (let i = 60; i < 70; i++) await other.addFullMessage('k', message(i));
    await other.gc(); // the base moves to the checkpoint at 64: events 61..64 are gone
    const plain = openSessionLogOn(backend, { readCacheBytes: 0 });
    expect(await log.getHistory('k')).toEqual(await plain.getHistory('k'));
    for (const l of [log, other, plain]) await l.close();
  });

  it.each([
    ['another log writes', false],
    ['the caching log writes itself', true],
  ])('a log reading through its caches returns what a log without caches reads, at every version, when %s', async (_, selfWrite) => {
    const backend = new CountingBackend();
    const cached = openSessionLogOn(backend, { checkpointEvery: 4 });
    const writer = selfWrite ? cached : openSessionLogOn(backend, { checkpointEvery: 4 });
    const plain = openSessionLogOn(backend, { checkpointEvery: 4, readCacheBytes: 0 });
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let n = 0;
    for (let step = 0; step < 300; step++) {
      const key = `k${random(3)}`;
      const size = (await writer.getSession(key))?.messageCount ?? 0;
      const op = random(10);
      if (op < 5) await writer.addMessages(key, Array.from({ length: 1 + random(3) }, () => message(n++)));
      else if (op === 5 && size > 0) await writer.removeLast(key, 1 + random(Math.min(size, 6)));
      else if (op === 6 && size > 0) await writer.replaceLast(key, 1 + random(Math.min(size, 6)), [message(n++)]);
      else if (op === 7) await writer.truncateHistory(key, random(8));
      else if (op === 8) await writer.setSummary(key, `summary ${step}`, { through: Math.max(0, ((await writer.getSession(key))?.version ?? 0) - random(4)) });
      else await writer.updateMetadata(key, { step, drop: random(2) === 0 ? null : step });
      const version = (await writer.getSession(key))?.version ?? 0;
      for (const at of [version, Math.max(1, version - 1 - random(6))]) {
        expect(await cached.getHistory(key, { atVersion: at })).toEqual(await plain.getHistory(key, { atVersion: at }));
      }
      expect(await cached.getHistory(key, { last: 3 })).toEqual(await plain.getHistory(key, { last: 3 }));
      expect(await cached.getSession(key)).toEqual(await plain.getSession(key));
      expect(await cached.listSessions()).toEqual(await plain.listSessions());
    }
    for (const log of new Set([writer, cached, plain])) await log.close();
  });
});
