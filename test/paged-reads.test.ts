import { afterEach, describe, expect, it } from 'vitest';
import type { SessionLog } from '../src/engine/session-log.js';
import { TurnlogError } from '../src/errors.js';
import { collect } from './support/collect.js';
import { BACKENDS } from './support/harness.js';
import type { Harness } from './support/harness.js';

/**
 * readEvents() and replay() read in pages of 256 events, each in its own short read transaction.
 * Between two pages, GC may collect what the next page needs, or the session may be deleted (and
 * re-created). The consumer then gets PRUNED (with `oldestReadable`) or NOT_FOUND — the data was
 * legitimately removed, so never CORRUPT — or, when GC took nothing it still needs, the rest.
 */
const EVENTS = 700;

async function fill(log: SessionLog, key: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => log.addMessage(key, 'user', `m${i + j}`)));
  }
}

async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.each(BACKENDS)('paged reads while GC or a deletion runs (%s)', (_name, factory) => {
  let h: Harness;
  let now = 1_000;
  afterEach(() => h.dispose());

  const open = (replayWindow = 0): Promise<SessionLog> => {
    h = factory();
    return h.open({ clock: () => now, checkpointEvery: 16, replayWindow });
  };

  /** Takes the first `n` items of an iterable and returns its iterator to go on with. */
  async function firstPage<T>(it: AsyncIterable<T>, n: number): Promise<{ taken: T[]; rest: AsyncIterator<T> }> {
    const rest = it[Symbol.asyncIterator]();
    const taken: T[] = [];
    while (taken.length < n) {
      const r = await rest.next();
      if (r.done === true) break;
      taken.push(r.value);
    }
    return { taken, rest };
  }

  const drain = async <T>(rest: AsyncIterator<T>): Promise<T[]> => {
    const out: T[] = [];
    for (let r = await rest.next(); r.done !== true; r = await rest.next()) out.push(r.value);
    return out;
  };

  it('readEvents and replay from past the newest version, or over an inverted range, read nothing (never CORRUPT)', async () => {
    const log = await open(Infinity);
    await log.addMessage('k', 'user', 'a');
    await log.addMessage('k', 'user', 'b');
    for (const opts of [{ fromVersion: 3 }, { fromVersion: 4 }, { fromVersion: 100 }, { fromVersion: 2, toVersion: 1 }]) {
      expect(await collect(log.readEvents('k', opts))).toEqual([]);
      expect(await collect(log.replay('k', opts))).toEqual([]);
    }
    expect((await collect(log.replay('k', { fromVersion: 2 }))).map((s) => s.event.version)).toEqual([2]);
  });

  for (const reader of ['readEvents', 'replay'] as const) {
    const read = (log: SessionLog, key: string): AsyncIterable<unknown> => (reader === 'readEvents' ? log.readEvents(key) : log.replay(key));

    it(`${reader}: GC collecting the next page between pages is PRUNED with oldestReadable, not CORRUPT`, async () => {
      const log = await open();
      await fill(log, 'k', EVENTS);
      const { taken, rest } = await firstPage(read(log, 'k'), 256);
      expect(taken).toHaveLength(256);
      now += 1_000;
      const report = await log.gc();
      expect(report.eventsRemoved).toBeGreaterThan(256);
      const error = await thrown(() => drain(rest));
      expect(error).toBeInstanceOf(TurnlogError);
      expect((error as TurnlogError).code).toBe('PRUNED');
      const oldest = (error as TurnlogError).oldestReadable as number;
      expect(oldest).toBeGreaterThan(256);
      // The consumer can resume right after the oldest readable version.
      const resumed = await collect(log.readEvents('k', { fromVersion: oldest + 1 }));
      expect(resumed.map((e) => e.version)).toEqual(Array.from({ length: EVENTS - oldest }, (_, i) => oldest + 1 + i));
    });

    it(`${reader}: GC collecting only what was already read lets the read end cleanly`, async () => {
      // Versions 1..256 are older than the replay window, 257..260 are not: GC's base is 256.
      const log = await open(10_000);
      await fill(log, 'k', 256);
      now += 100_000;
      await fill(log, 'k', 4);
      const { taken, rest } = await firstPage(read(log, 'k'), 256);
      expect((await log.gc()).eventsRemoved).toBe(256);
      expect(taken.length + (await drain(rest)).length).toBe(260);
    });

    it(`${reader}: a deletion between pages is NOT_FOUND, also when the key was re-created`, async () => {
      for (const recreate of [false, true]) {
        const log = await open();
        await fill(log, 'k', 600);
        const { rest } = await firstPage(read(log, 'k'), 256);
        await log.deleteSession('k');
        if (recreate) await fill(log, 'k', 600);
        const error = await thrown(() => drain(rest));
        expect(error).toBeInstanceOf(TurnlogError);
        expect((error as TurnlogError).code).toBe('NOT_FOUND');
        await h.dispose();
      }
      h = factory(); // for afterEach
    });
  }
});
