import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeNumber, decodePack, encodePack } from '../src/core/codec.js';
import { digest, dirKey, eventIdKey, sidKey } from '../src/core/layout.js';
import type { Key, Table } from '../src/core/layout.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { isTurnlogError } from '../src/errors.js';
import { openSessionLogOn } from '../src/open.js';
import type { Backend } from '../src/storage/backend.js';
import { LmdbBackend } from '../src/storage/lmdb-backend.js';
import { MemoryBackend } from '../src/storage/memory-backend.js';
import { tempDir } from './support/harness.js';
import { collect } from './support/collect.js';

/**
 * Damage one record of one session — overwriting its bytes through the backend, in memory and
 * in a real LMDB file — and every public read and write that touches it is CORRUPT (never a
 * SyntaxError, a TypeError or a wrong answer), while the other sessions keep working.
 */
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
const pack = (v: unknown): Uint8Array => packr.pack(v);

type Op = 'getHistory' | 'getHistoryAt' | 'getSummary' | 'getSession' | 'readEvents' | 'replay' | 'listSessions' | 'addMessage' | 'addWithSeenId' | 'setSummary' | 'updateMetadata' | 'truncateSafe' | 'setHistory' | 'deleteSession';

function run(log: SessionLog, key: string, op: Op): Promise<unknown> {
  switch (op) {
    case 'getHistory':
      return log.getHistory(key);
    case 'getHistoryAt':
      return log.getHistory(key, { atVersion: 5 });
    case 'getSummary':
      return log.getSummary(key);
    case 'getSession':
      return log.getSession(key);
    case 'readEvents':
      return collect(log.readEvents(key));
    case 'replay':
      return collect(log.replay(key));
    case 'listSessions':
      return log.listSessions();
    case 'addMessage':
      return log.addMessage(key, 'user', 'more');
    case 'addWithSeenId':
      return log.updateMetadata(key, { a: 1 }, { eventId: 'e8' }); // the same change again: a duplicate
    case 'setSummary':
      return log.setSummary(key, 'new summary');
    case 'updateMetadata':
      return log.updateMetadata(key, { b: 2 });
    case 'truncateSafe':
      return log.truncateHistory(key, 2, { safe: true });
    case 'setHistory':
      return log.setHistory(key, [{ role: 'user', content: 'fresh' }]);
    case 'deleteSession':
      return log.deleteSession(key);
  }
}

const READS: Op[] = ['getHistory', 'getHistoryAt', 'getSummary', 'getSession', 'readEvents', 'replay', 'listSessions'];
const WRITES: Op[] = ['addWithSeenId', 'setSummary', 'updateMetadata', 'truncateSafe', 'addMessage', 'setHistory', 'deleteSession'];

/** Versions 1-6 add messages, 7 sets the summary, 8 the metadata (eventId e8), 9 adds one more; checkpoints at 4 and 8. */
async function fill(log: SessionLog, key: string): Promise<void> {
  for (let i = 0; i < 6; i++) await log.addMessage(key, i % 2 === 0 ? 'user' : 'assistant', `${key} ${i}`);
  await log.setSummary(key, `summary of ${key}`);
  await log.updateMetadata(key, { a: 1 }, { eventId: 'e8' });
  await log.addMessage(key, 'user', `${key} 6`);
}

interface Damage {
  /** The record, found in the victim session. */
  record: (sid: number, backend: Backend) => { table: Table; key: Key };
  /** Ways to damage it: replacement bytes, or a change of one decoded field. */
  variants: Array<[string, (old: Uint8Array) => Uint8Array]>;
  /** Operations on the victim that must be CORRUPT (the others must be CORRUPT or succeed). */
  mustFail: Op[];
}

const garbage: Array<[string, (old: Uint8Array) => Uint8Array]> = [
  ['not MessagePack', () => Uint8Array.from([0xc1])],
  ['truncated', (old) => old.subarray(0, Math.max(1, old.byteLength >> 1))],
  ['a string', () => pack('hello')],
];
/** A small number is one byte: cutting it in half changes nothing, so numbers get the other two. */
const garbageNumber = garbage.filter(([n]) => n !== 'truncated');
const field = (f: (r: Record<string, unknown>) => void) => (old: Uint8Array): Uint8Array => {
  const r = packr.unpack(old) as Record<string, unknown>;
  f(r);
  return pack(r);
};
/** A change of the pack a checkpoint made of its events (versions 5-8 here): its list, or one event in it. */
const inPack = (f: (events: Uint8Array[]) => void, first?: number) => (old: Uint8Array): Uint8Array => {
  const p = decodePack(old);
  f(p.events);
  return encodePack(first ?? p.first, p.events);
};
const packed = (version: number, change: (old: Uint8Array) => Uint8Array) => inPack((events) => void (events[version - 5] = change(events[version - 5] as Uint8Array)));
const firstKey = (backend: Backend, table: Table, sid: number): Key =>
  backend.read((tx) => {
    for (const e of tx.range(table, { low: [sid], high: [sid + 1], limit: 1 })) return [...e.key];
    throw new Error(`no ${table} row`);
  });

const DAMAGES: Record<string, Damage> = {
  head: {
    record: (sid) => ({ table: 'heads', key: sidKey(sid) }),
    variants: [...garbage, ['negative version', field((r) => (r['version'] = -1))], ['key not a string', field((r) => (r['key'] = 5))], ['start after next', field((r) => (r['start'] = 99))]],
    mustFail: ['getHistory', 'getHistoryAt', 'getSummary', 'getSession', 'readEvents', 'replay', 'listSessions', 'addMessage', 'setSummary', 'updateMetadata', 'deleteSession'],
  },
  'directory entry': {
    record: () => ({ table: 'dir', key: dirKey('victim') }),
    variants: [...garbageNumber, ['a negative number', () => pack(-3)], ['a fraction', () => pack(1.5)]],
    mustFail: ['getHistory', 'getSummary', 'getSession', 'readEvents', 'replay', 'addMessage', 'updateMetadata', 'deleteSession'],
  },
  state: {
    record: (sid) => ({ table: 'state', key: sidKey(sid) }),
    variants: [...garbage, ['metadata not JSON', field((r) => (r['metadata'] = '{"a":'))], ['metadata an array', field((r) => (r['metadata'] = '[1]'))], ['summary a number', field((r) => (r['summary'] = 7))]],
    mustFail: ['getSummary', 'getSession', 'listSessions', 'setSummary', 'updateMetadata'],
  },
  'tail event': {
    record: (sid) => ({ table: 'events', key: [sid, 9] }),
    variants: [
      ...garbage,
      ['unknown type', field((r) => (r['t'] = 'messages.deleted'))],
      ['messages not texts', field((r) => (r['m'] = [1]))],
      ['message not JSON', field((r) => (r['m'] = ['{"role"']))],
      ['message with a numeric role', field((r) => (r['m'] = ['{"role":5}']))],
      ['wrong version', field((r) => (r['v'] = 12))],
      ['time not a number', field((r) => (r['at'] = 'now'))],
    ],
    mustFail: ['getHistory', 'readEvents', 'replay'],
  },
  'metadata event (in the pack of checkpoint 8)': {
    record: (sid) => ({ table: 'events', key: [sid, 8] }),
    variants: [['patch not JSON', packed(8, field((r) => (r['p'] = '{')))], ['patch an array', packed(8, field((r) => (r['p'] = '[]')))], ['patch missing', packed(8, field((r) => delete r['p']))]],
    mustFail: ['readEvents', 'replay'],
  },
  'event pack': {
    record: (sid) => ({ table: 'events', key: [sid, 8] }),
    variants: [
      ...garbage,
      ['not deflate data', (old) => Uint8Array.from([old[0] as number, 0xff, 0xff, 0xff])],
      ['an event short', inPack((events) => void events.pop())],
      ['an event too many', inPack((events) => void events.push(events[0] as Uint8Array))],
      ['starting a version late', inPack(() => undefined, 6)],
      ['an event of another version', packed(6, field((r) => (r['v'] = 7)))],
      ['a stub past its chunks', packed(6, field((r) => (r['c'] = 99)))],
    ],
    mustFail: ['readEvents', 'replay'],
  },
  checkpoint: {
    record: (sid) => ({ table: 'checkpoints', key: [sid, 8] }),
    variants: [...garbage, ['projection missing', field((r) => delete r['p'])], ['metadata not JSON', field((r) => ((r['p'] as Record<string, unknown>)['metadata'] = 'nope'))], ['start a string', field((r) => ((r['p'] as Record<string, unknown>)['start'] = '0'))]],
    mustFail: ['getHistory'],
  },
  chunk: {
    record: (sid, backend) => ({ table: 'chunks', key: firstKey(backend, 'chunks', sid) }),
    variants: [
      ['cut JSON', () => Buffer.from('[{"role":')],
      ['not a list', () => Buffer.from('{}')],
      ['numbers', () => Buffer.from('[1,2]')],
      ['empty list', () => Buffer.from('[]')],
    ],
    mustFail: ['getHistory', 'getHistoryAt'],
  },
  'event id': {
    record: (sid) => ({ table: 'eventIds', key: eventIdKey(sid, 'e8') }),
    variants: [...garbageNumber, ['a negative number', () => pack(-1)]],
    mustFail: ['addWithSeenId'],
  },
};

const BACKEND_KINDS = ['memory', 'lmdb'] as const;

describe.each(BACKEND_KINDS)('a damaged record is CORRUPT for its session only (%s)', (kind) => {
  const dirs: string[] = [];
  const logs: SessionLog[] = [];
  afterEach(async () => {
    for (const l of logs.splice(0)) await l.close().catch(() => undefined);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function open(): { log: SessionLog; backend: Backend } {
    let backend: Backend;
    if (kind === 'memory') backend = new MemoryBackend();
    else {
      const dir = tempDir();
      dirs.push(dir);
      backend = new LmdbBackend({ path: join(dir, 'store'), create: true, now: 0, checkOnOpen: 'auto', encryptionKey: undefined });
    }
    let now = 1_000;
    const log = openSessionLogOn(backend, { checkpointEvery: 4, clock: () => now++, readCacheBytes: 0 });
    logs.push(log);
    return { log, backend };
  }

  for (const [name, damage] of Object.entries(DAMAGES)) {
    it.each(damage.variants)(`${name}: %s`, async (_variant, corruptBytes) => {
      const { log, backend } = open();
      await fill(log, 'victim');
      await fill(log, 'other');
      const expected = { history: await log.getHistory('other'), summary: await log.getSummary('other'), session: await log.getSession('other'), events: await collect(log.readEvents('other')) };
      const sid = backend.read((tx) => decodeNumber(tx.get('dir', dirKey('victim')) as Uint8Array, 'test'));
      const { table, key } = damage.record(sid, backend);
      await backend.write((tx) => {
        const old = tx.get(table, key);
        expect(old, `${table} ${JSON.stringify(key)} exists`).toBeDefined();
        tx.put(table, key, corruptBytes(old as Uint8Array));
      });

      const ordered = [...READS, ...WRITES.filter((w) => damage.mustFail.includes(w)), ...WRITES.filter((w) => !damage.mustFail.includes(w))];
      for (const op of ordered) {
        let error: unknown;
        try {
          await run(log, 'victim', op);
        } catch (e) {
          error = e;
        }
        if (damage.mustFail.includes(op)) expect(isTurnlogError(error, 'CORRUPT'), `${op}: ${String(error)}`).toBe(true);
        else if (error !== undefined) expect(isTurnlogError(error, 'CORRUPT'), `${op}: ${String(error)}`).toBe(true);
      }

      // Every other session reads and writes as before.
      expect(await log.getHistory('other')).toEqual(expected.history);
      expect(await log.getSummary('other')).toBe(expected.summary);
      expect(await log.getSession('other')).toEqual(expected.session);
      expect(await collect(log.readEvents('other'))).toEqual(expected.events);
      expect(await collect(log.replay('other'))).toHaveLength(9);
      if (name !== 'head') expect((await log.listSessions({ prefix: 'oth' })).sessions.map((s) => s.key)).toEqual(['other']);
      await log.addMessage('other', 'user', 'still fine');
      await log.updateMetadata('other', { z: 1 });
      await log.setSummary('other', 'still', { through: 10 });
      expect(await log.getSession('other')).toMatchObject({ version: 12, summary: 'still', metadata: { a: 1, z: 1 } });
      await log.addMessage('third', 'user', 'new session');
      expect(await log.getHistory('third')).toEqual([{ role: 'user', content: 'new session' }]);
      expect(await log.deleteSession('other')).toBe(true);
    });
  }

  it('damaged store-wide counters make stats() and writes CORRUPT, nothing half-written; reads keep working', async () => {
    const { log, backend } = open();
    await fill(log, 'other');
    await backend.write((tx) => tx.put('meta', ['counts'], pack(['x'])));
    await expect(log.stats()).rejects.toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    await expect(log.addMessage('other', 'user', 'x')).rejects.toMatchObject({ code: 'CORRUPT' });
    await expect(log.addMessage('new', 'user', 'x')).rejects.toMatchObject({ code: 'CORRUPT' });
    expect(await log.getSession('new')).toBeUndefined();
    expect(await log.getSession('other')).toMatchObject({ version: 9 });
    expect(await log.getHistory('other')).toHaveLength(7);
  });

  it('the digest of a key is what the directory is keyed by (the test damages the right record)', () => {
    expect(dirKey('victim')).toEqual([digest('victim')]);
  });
});
