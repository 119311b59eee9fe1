import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, decodeHead, encodeCheckpoint } from '../src/core/codec.js';
import { PROJECTION_FORMAT } from '../src/core/projection.js';
import { unpackMap } from '../src/core/codec-fields.js';
import { decodePack, eventsInRow, isPack } from '../src/core/codec-packs.js';
import { exportJsonl } from '../src/index.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { openSessionLogOn } from '../src/open.js';
import type { Backend, ReadTxn } from '../src/storage/backend.js';
import { LmdbBackend } from '../src/storage/lmdb-backend.js';
import { MemoryBackend } from '../src/storage/memory-backend.js';
import type { Message } from '../src/types.js';
import { collect } from './support/collect.js';
import { tempDir } from './support/harness.js';
import { expectCode } from '../src/testing/messages.js';

/**
 * Store format 2: once a checkpoint seals an event's messages into chunks, the event is stored
 * as a stub naming those chunk positions. Every reader must see exactly what it saw when the
 * event carried its JSON: the same history is written to a store that checkpoints every few
 * events (stubs) and to one that never checkpoints (no stubs, no chunks), and every read of
 * every version, the event log, replay, export and verify must agree byte for byte.
 */

const ALL = { low: [0], high: ['~'] };
const msg = (i: number, extra = ''): Message =>
  i % 3 === 1
    ? { role: 'assistant', content: `reply ${i} "quoted", [bracketed] {braced} \\ back\u00e9${extra}`, tool_calls: [{ id: `c${i}`, type: 'function', function: { name: 'f', arguments: `{"a":[${i},"]"]}` } }] }
    : { role: 'user', content: `message ${i} ${'x'.repeat(i % 7)}${extra}` };

async function writeHistory(log: SessionLog): Promise<void> {
  for (let i = 0; i < 14; i++) await log.addFullMessage('a', msg(i));
  await log.addMessages('a', [msg(50), msg(51), msg(52)]);
  await log.removeLast('a', 4); // reaches sealed messages: a new chunk region
  for (let i = 14; i < 22; i++) await log.addFullMessage('a', msg(i, ' again'));
  await log.replaceLast('a', 2, [msg(100), msg(101)]);
  await log.setSummary('a', 'summary of a', { through: 6 });
  await log.updateMetadata('a', { owner: 'ops' });
  await log.truncateHistory('a', 9);
  for (let i = 22; i < 30; i++) await log.addFullMessage('a', msg(i), { eventId: `a-${i}` });
  await log.forkSession('a', 'f');
  for (let i = 0; i < 7; i++) await log.addFullMessage('f', msg(i, ' fork'));
  await log.setHistory('b', [msg(1), msg(2), msg(3), msg(4), msg(5)]);
  for (let i = 0; i < 5; i++) await log.addFullMessage('b', msg(i));
  await log.setHistory('b', [msg(9)]);
  for (let i = 0; i < 4; i++) await log.addFullMessage('b', msg(i));
}

async function everything(log: SessionLog): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['a', 'f', 'b']) {
    const info = await log.getSession(key);
    const versions: unknown[] = [];
    for (let v = 1; v <= (info?.version ?? 0); v++) versions.push([await log.getHistory(key, { atVersion: v }), await log.getHistory(key, { atVersion: v, last: 2 }), await log.diff(key, { toVersion: v })]);
    const pages: unknown[] = [];
    for (let from = 1; from <= (info?.version ?? 0); from += 2) pages.push(await collect(log.readEvents(key, { fromVersion: from, toVersion: from + 3 })));
    out[key] = {
      info,
      history: await log.getHistory(key),
      versions,
      events: await collect(log.readEvents(key)),
      page: await collect(log.readEvents(key, { fromVersion: 5, toVersion: 9 })),
      pages,
      replay: await collect(log.replay(key)),
      sizeEvents: (await log.getSessionSize(key))?.events,
    };
  }
  out['storedEvents'] = (await log.stats()).events;
  let text = '';
  await exportJsonl(log, ['a', 'f', 'b'], (t) => void (text += t));
  out['export'] = text;
  return out;
}

function rows(tx: ReadTxn, table: 'events' | 'chunks' | 'checkpoints'): Array<{ key: unknown[]; value: Uint8Array }> {
  return [...tx.range(table, ALL)].map((e) => ({ key: [...e.key], value: Uint8Array.from(e.value) }));
}

/** The events the rows of the events table hold, counted as GC, purges and sizes count them. */
const heldEvents = (tx: ReadTxn): number => rows(tx, 'events').reduce((n, r) => n + eventsInRow(r.key[1] as number, r.value), 0);

/**
 * Every pack rewritten as one row per event, as store format 2's first layout kept them (a stub
 * where the checkpoint sealed all of an event's messages, else the whole event): what a store
 * written before packs holds.
 */
async function unpackAll(backend: Backend): Promise<number> {
  return backend.write((tx) => {
    let n = 0;
    for (const r of rows(tx, 'events')) {
      if (!isPack(r.value)) continue;
      const { first, events } = decodePack(r.value);
      tx.del('events', r.key as never);
      events.forEach((e, i) => tx.put('events', [r.key[0] as number, first + i], e));
      n++;
    }
    return n;
  });
}

const backends: Array<[string, () => Backend]> = [
  ['memory', () => new MemoryBackend()],
  ['lmdb', () => new LmdbBackend({ path: join(tempDir(), 'store'), create: true, now: 0, checkOnOpen: 'auto', encryptionKey: undefined })],
];

describe.each(backends)('stub events: %s', (_name, make) => {
  it('the events each checkpoint closed become one pack (mostly stubs), chunks are compressed, and every reader reads what a store without checkpoints reads', async () => {
    const plainBackend = make();
    const plain = openSessionLogOn(plainBackend, { clock: () => 1_700_000_000_000, checkpointEvery: 1_000_000 });
    await writeHistory(plain);
    const want = await everything(plain);
    expect(plainBackend.read((tx) => rows(tx, 'chunks'))).toEqual([]);

    const backend = make();
    const log = openSessionLogOn(backend, { clock: () => 1_700_000_000_000, checkpointEvery: 3 });
    await writeHistory(log);
    // The events each checkpoint closed are one row, and inside it most are stubs.
    const packed = backend.read((tx) => rows(tx, 'events').filter((r) => isPack(r.value)).map((r) => decodePack(r.value).events));
    expect(packed.length).toBeGreaterThan(8);
    expect(packed.flat().filter((e) => unpackMap(e, 'event')['c'] !== undefined).length).toBeGreaterThan(20);
    expect(backend.read((tx) => rows(tx, 'events').length)).toBeLessThan(backend.read((tx) => heldEvents(tx)) / 2);
    expect(backend.read((tx) => rows(tx, 'chunks').some((r) => r.value[0] === 0x01))).toBe(true);
    expect(await everything(log)).toEqual(want);
    expect((await log.verify()).mismatches).toEqual([]);
    // A fresh reader (no cached events or chunks) resolves the stubs from the store alone.
    const fresh = openSessionLogOn(backend, { clock: () => 1_700_000_000_000, checkpointEvery: 3, readCacheBytes: 0 });
    expect(await everything(fresh)).toEqual(want);
    await fresh.close();
    await plain.close();
    await log.close();
  });

  it('a store whose sealed events are rows of their own (format 2 before packs) reads the same, and its new checkpoints pack what follows', async () => {
    const more = async (log: SessionLog): Promise<void> => {
      for (let i = 40; i < 47; i++) await log.addFullMessage('a', msg(i));
      await log.removeLast('b', 3);
      for (let i = 0; i < 5; i++) await log.addFullMessage('b', msg(i, ' later'));
    };
    const plain = openSessionLogOn(make(), { clock: () => 1_700_000_000_000, checkpointEvery: 1_000_000 });
    await writeHistory(plain);
    const want = await everything(plain);
    const backend = make();
    const writer = openSessionLogOn(backend, { clock: () => 1_700_000_000_000, checkpointEvery: 3 });
    await writeHistory(writer);
    expect(await unpackAll(backend)).toBeGreaterThan(8);
    // A second handle on the same backend: nothing it reads was cached by the writer.
    const log = openSessionLogOn(backend, { clock: () => 1_700_000_000_000, checkpointEvery: 3, readCacheBytes: 0 });
    expect(await everything(log)).toEqual(want);
    await more(log);
    await more(plain);
    expect(await everything(log)).toEqual(await everything(plain));
    expect(backend.read((tx) => rows(tx, 'events').filter((r) => isPack(r.value)).length)).toBeGreaterThan(2);
    expect((await log.verify()).mismatches).toEqual([]);
    await plain.close();
    await log.close();
    await writer.close();
  });

  it('GC with its base inside a pack keeps the pack whole: every version from the base on reads as before, events are counted by what the rows hold', async () => {
    const t0 = 1_700_000_000_000;
    const clock = { now: t0 };
    const write = async (log: SessionLog): Promise<void> => {
      for (let i = 0; i < 24; i++) {
        clock.now = t0 + i * 1000;
        await log.addFullMessage('k', msg(i));
      }
    };
    // The twin checkpoints every version: its checkpoint 12 is the one a base inside pack (8, 16] needs.
    const twinBackend = make();
    const twin = openSessionLogOn(twinBackend, { clock: () => clock.now, checkpointEvery: 1 });
    await write(twin);
    const backend = make();
    const writer = openSessionLogOn(backend, { clock: () => clock.now, checkpointEvery: 8 });
    await write(writer);
    const cp12 = twinBackend.read((tx) => tx.get('checkpoints', [1, 12]));
    expect(cp12).toBeDefined();
    await backend.write((tx) => tx.put('checkpoints', [1, 12], cp12 as Uint8Array));
    expect(backend.read((tx) => rows(tx, 'events').map((r) => r.key[1]))).toEqual([8, 16, 24]);
    clock.now = t0 + 30_000;
    const log = openSessionLogOn(backend, { clock: () => clock.now, checkpointEvery: 8, replayWindow: 17_000, readCacheBytes: 0 });
    const dry = await log.gc({ dryRun: true });
    const report = await log.gc();
    expect(report.eventsRemoved).toBe(8);
    expect(dry.eventsRemoved).toBe(8);
    expect(backend.read((tx) => rows(tx, 'events').map((r) => r.key[1]))).toEqual([16, 24]);
    await expectCode(log.getHistory('k', { atVersion: 11 }), 'PRUNED');
    for (let v = 12; v <= 24; v++) expect(await log.getHistory('k', { atVersion: v })).toEqual(await twin.getHistory('k', { atVersion: v }));
    const events = await collect(twin.readEvents('k'));
    expect(await collect(log.readEvents('k'))).toEqual(events.slice(12));
    expect(await collect(log.readEvents('k', { fromVersion: 13, toVersion: 14 }))).toEqual(events.slice(12, 14));
    expect(await collect(log.replay('k'))).toEqual((await collect(twin.replay('k'))).slice(12));
    // The kept pack still holds versions 9..16: the store and the session count them while it is stored.
    expect((await log.stats()).events).toBe(backend.read((tx) => heldEvents(tx)));
    expect((await log.getSessionSize('k'))?.events).toBe(16);
    expect((await log.verify()).mismatches).toEqual([]);
    // Appends from the base on check out against the twin, and deleting the session purges what the rows hold.
    for (let i = 24; i < 30; i++) {
      await log.addFullMessage('k', msg(i));
      await twin.addFullMessage('k', msg(i));
    }
    expect(await log.getHistory('k')).toEqual(await twin.getHistory('k'));
    await log.deleteSession('k');
    await log.gc();
    expect((await log.stats()).events).toBe(0);
    expect(backend.read((tx) => rows(tx, 'events'))).toEqual([]);
    await twin.close();
    await log.close();
    await writer.close();
  });

  it('byte counters follow what is stored: log bytes are the events, checkpoints and chunks; dead bytes the events and checkpoints behind the newest checkpoint', async () => {
    const backend = make();
    const log = openSessionLogOn(backend, { clock: () => 1_700_000_000_000, checkpointEvery: 4 });
    await writeHistory(log);
    const counted = backend.read((tx) => {
      let logBytes = 0;
      let deadBytes = 0;
      const cps = new Map<number, number>();
      for (const h of tx.range('heads', ALL)) {
        const head = decodeHead(h.value);
        cps.set(head.sid, head.cp);
      }
      for (const table of ['events', 'checkpoints', 'chunks'] as const) {
        for (const r of rows(tx, table)) {
          logBytes += r.value.byteLength;
          const cp = cps.get(r.key[0] as number) ?? 0;
          if ((table === 'events' && (r.key[1] as number) <= cp) || (table === 'checkpoints' && (r.key[1] as number) < cp)) deadBytes += r.value.byteLength;
        }
      }
      return { logBytes, deadBytes };
    });
    const s = await log.stats();
    expect({ logBytes: s.logBytes, deadBytes: s.deadBytes }).toEqual(counted);
    await log.close();
  });

  it('GC leaves every stub it keeps resolvable: the versions still readable read as before', async () => {
    const backend = make();
    const t = { now: 1_700_000_000_000 };
    const log = openSessionLogOn(backend, { clock: () => t.now, checkpointEvery: 3, replayWindow: 15_000 });
    for (let i = 0; i < 40; i++) {
      await log.addFullMessage('k', msg(i));
      t.now += 1000;
      if (i === 20) await log.removeLast('k', 5);
    }
    const versions = (await log.getSession('k'))?.version ?? 0;
    const before: unknown[] = [];
    for (let v = 1; v <= versions; v++) before.push(await log.getHistory('k', { atVersion: v }));
    const events = await collect(log.readEvents('k'));
    const report = await log.gc();
    expect(report.eventsRemoved).toBeGreaterThan(0);
    const kept = await collect(log.readEvents('k'));
    expect(kept.length).toBeGreaterThan(0);
    const base = (kept[0]?.version ?? 1) - 1;
    for (let v = Math.max(base, 1); v <= versions; v++) expect(await log.getHistory('k', { atVersion: v })).toEqual(before[v - 1]);
    expect(base).toBeGreaterThan(10);
    expect(kept).toEqual(events.slice(base));
    expect((await log.verify()).mismatches).toEqual([]);
    await log.close();
  });

  it('a stub whose chunk is gone is CORRUPT, never a shorter history', async () => {
    const backend = make();
    const log = openSessionLogOn(backend, { clock: () => 1_700_000_000_000, checkpointEvery: 4, readCacheBytes: 0 });
    for (let i = 0; i < 10; i++) await log.addFullMessage('k', msg(i));
    await backend.write((tx) => {
      const first = rows(tx, 'chunks')[0];
      if (first !== undefined) tx.del('chunks', first.key as never);
    });
    await expectCode(collect(log.readEvents('k')), 'CORRUPT');
    await expectCode(log.getHistory('k', { atVersion: 2 }), 'CORRUPT');
    expect((await log.verify()).mismatches.map((m) => m.problem).join('\n')).toMatch(/CORRUPT/);
    await log.close();
  });
});

describe('checkpoint records', () => {
  it('with every checkpoint of another fold format, reads fold from the first event and still resolve every stub (chunks outlive checkpoints)', async () => {
    const backend = new MemoryBackend();
    const log = openSessionLogOn(backend, { clock: () => 1_700_000_000_000, checkpointEvery: 3 });
    await writeHistory(log);
    const want = await everything(log);
    await backend.write((tx) => {
      for (const r of rows(tx, 'checkpoints')) {
        const cp = decodeCheckpoint(r.value);
        tx.put('checkpoints', r.key as never, encodeCheckpoint({ projectionFormat: PROJECTION_FORMAT + 1, projection: cp.projection }));
      }
    });
    expect(await everything(openSessionLogOn(backend, { clock: () => 1_700_000_000_000, checkpointEvery: 3, readCacheBytes: 0 }))).toEqual(want);
    await log.close();
  });
});
