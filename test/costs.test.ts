import { describe, expect, it } from 'vitest';
import { openSessionLogOn } from '../src/open.js';
import { DEFAULT_CHECKPOINT_EVERY } from '../src/engine/options.js';
import { CountingBackend } from './support/counting-backend.js';

/** The cost model of docs/architecture.md, checked by counting rows and bytes (never time). */
const message = (i: number) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i} `.padEnd(400, 'x') });
const encodedSize = (i: number) => Buffer.byteLength(JSON.stringify(message(i)));

describe('costs', () => {
  it('an append writes under 3× its encoded size, even with 10,000 visible messages', async () => {
    const backend = new CountingBackend();
    const log = openSessionLogOn(backend);
    for (let i = 0; i < 10_000; i += 500) await log.addMessages('k', Array.from({ length: 500 }, (_, j) => message(i + j)));
    // One checkpoint cycle first: the bulk adds above are sealed once, then the steady state is measured.
    for (let i = 10_000; i < 10_000 + DEFAULT_CHECKPOINT_EVERY; i++) await log.addFullMessage('k', message(i));
    backend.reset();
    const appends = DEFAULT_CHECKPOINT_EVERY * 4; // whole checkpoint cycles: sealing included
    let payload = 0;
    for (let i = 10_000 + DEFAULT_CHECKPOINT_EVERY; i < 10_000 + DEFAULT_CHECKPOINT_EVERY + appends; i++) {
      await log.addFullMessage('k', message(i));
      payload += encodedSize(i);
    }
    const ratio = backend.bytesWritten / payload;
    expect(ratio, JSON.stringify(Object.fromEntries(backend.writesByTable))).toBeLessThan(3);
    expect((await log.getSession('k'))?.messageCount).toBe(10_000 + DEFAULT_CHECKPOINT_EVERY + appends);
    await log.close();
  });

  it('a read costs O(visible + events since the checkpoint), not O(all events)', async () => {
    const backend = new CountingBackend();
    const log = openSessionLogOn(backend, { checkpointEvery: 16 });
    for (let i = 0; i < 3_000; i++) {
      await log.addFullMessage('k', message(i));
      if (i % 100 === 99) await log.truncateHistory('k', 10);
    }
    const rowsFor = async (fn: () => Promise<unknown>): Promise<number> => {
      backend.reset();
      await fn();
      return backend.rowsRead;
    };
    const visible = (await log.getHistory('k')).length;
    const current = await rowsFor(() => log.getHistory('k'));
    // dir + head + checkpoint + the chunks holding the visible messages + at most 16 tail events
    expect(current).toBeLessThanOrEqual(3 + Math.ceil(visible / 1) + 16);
    expect(current).toBeLessThan(60);
    const old = await rowsFor(() => log.getHistory('k', { atVersion: 1_000 }));
    expect(old).toBeLessThan(60);
    await log.close();
  });

  it('a fork and a diff cost O(visible + events since the checkpoint), not O(all events)', async () => {
    const backend = new CountingBackend();
    // no read caches: a write leaves the current version's state and events in them, which the
    // getHistory compared with would hit and the diff's snapshot reads do not
    const log = openSessionLogOn(backend, { checkpointEvery: 16, readCacheBytes: 0 });
    for (let i = 0; i < 3_000; i++) {
      await log.addFullMessage('k', message(i));
      if (i % 100 === 99) await log.truncateHistory('k', 10);
    }
    const head = (await log.getSession('k'))?.version ?? 0;
    const rowsFor = async (fn: () => Promise<unknown>): Promise<number> => {
      backend.reset();
      await fn();
      return backend.rowsRead;
    };
    const read = await rowsFor(() => log.getHistory('k', { atVersion: head - 40 }));
    // the reads of getHistory at that version, plus the new session's few rows (dir, eventIds, sid counter…)
    expect(await rowsFor(() => log.forkSession('k', 'f', { atVersion: head - 40 }))).toBeLessThanOrEqual(read + 10);
    expect(await rowsFor(() => log.forkSession('k', 'g'))).toBeLessThan(60);
    // a one-step diff: the two versions' messages; the checkpoint and tail are read once
    const oneStep = await rowsFor(() => log.diff('k'));
    expect(oneStep).toBeLessThanOrEqual(2 * (await rowsFor(() => log.getHistory('k'))) + 3); // + the head and state that name the current version
    // two versions far apart: two reads, and no event between them (no removal happened)
    expect(await rowsFor(() => log.diff('k', { fromVersion: 100, toVersion: head }))).toBeLessThan(120);
    await log.close();
  });

  it('a diff across a removal, and a summary through a version before one, read the events up to the last removal only', async () => {
    const backend = new CountingBackend();
    // no read caches: every row a read needs is counted
    const log = openSessionLogOn(backend, { readCacheBytes: 0 });
    await log.addMessages('k', Array.from({ length: 10 }, (_, i) => message(i)));
    const removal = (await log.removeLast('k', 1)).version;
    for (let i = 0; i < 1_000; i++) await log.addFullMessage('k', message(i));
    const rowsFor = async (fn: () => Promise<unknown>): Promise<number> => {
      backend.reset();
      await fn();
      return backend.rowsRead;
    };
    const views = (await rowsFor(() => log.getHistory('k', { atVersion: removal - 1 }))) + (await rowsFor(() => log.getHistory('k')));
    // the two views, the head and the one event that rewound (not the 1,000 appends after it)
    const diff = await rowsFor(() => log.diff('k', { fromVersion: removal - 1 }));
    expect(diff).toBeLessThanOrEqual(views + 4);
    expect(diff).toBeLessThan(100);
    // setSummary through a version before the removal: where the newer messages begin, from that event alone
    expect(await rowsFor(() => log.setSummary('k', 'S', { through: removal - 1 }))).toBeLessThan(100);
    expect((await log.getHistory('k')).length).toBe(1_000);
    await log.close();
  });

  it('getSession and listSessions never read events', async () => {
    const backend = new CountingBackend();
    const log = openSessionLogOn(backend);
    for (let s = 0; s < 200; s++) await log.addMessage(`s${s}`, 'user', 'x');
    for (let i = 0; i < 100; i++) await log.addMessage('s0', 'user', `m${i}`);
    backend.reset();
    await log.listSessions({ limit: 50 });
    // per session: recency entry + head + state; plus one look-ahead entry
    expect(backend.rowsRead).toBeLessThanOrEqual(50 * 3 + 3);
    await log.close();
  });
});
