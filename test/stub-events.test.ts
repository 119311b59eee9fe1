import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, decodeHead, encodeCheckpoint } from '../src/core/codec.js';
import { PROJECTION_FORMAT } from '../src/core/projection.js';
import { unpackMap } from '../src/core/codec-fields.js';
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
    out[key] = { info, history: await log.getHistory(key), versions, events: await collect(log.readEvents(key)), page: await collect(log.readEvents(key, { fromVersion: 5, toVersion: 9 })), replay: await collect(log.replay(key)) };
  }
  let text = '';
  await exportJsonl(log, ['a', 'f', 'b'], (t) => void (text += t));
  out['export'] = text;
  return out;
}

function rows(tx: ReadTxn, table: 'events' | 'chunks' | 'checkpoints'): Array<{ key: unknown[]; value: Uint8Array }> {
  return [...tx.range(table, ALL)].map((e) => ({ key: [...e.key], value: Uint8Array.from(e.value) }));
}

const backends: Array<[string, () => Backend]> = [
  ['memory', () => new MemoryBackend()],
  ['lmdb', () => new LmdbBackend({ path: join(tempDir(), 'store'), create: true, now: 0, checkOnOpen: 'auto', encryptionKey: undefined })],
];

describe.each(backends)('stub events: %s', (_name, make) => {
  it('sealed events become stubs, chunks are compressed, and every reader reads what a store without checkpoints reads', async () => {
    const plainBackend = make();
    const plain = openSessionLogOn(plainBackend, { clock: () => 1_700_000_000_000, checkpointEvery: 1_000_000 });
    await writeHistory(plain);
    const want = await everything(plain);
    expect(plainBackend.read((tx) => rows(tx, 'chunks'))).toEqual([]);

    const backend = make();
    const log = openSessionLogOn(backend, { clock: () => 1_700_000_000_000, checkpointEvery: 3 });
    await writeHistory(log);
    const stubs = backend.read((tx) => rows(tx, 'events').filter((r) => unpackMap(r.value, 'event')['c'] !== undefined));
    expect(stubs.length).toBeGreaterThan(20);
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
