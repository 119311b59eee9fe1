import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreHarness, StoreHarnessFactory } from './harness.js';
import type { SessionLog } from '../engine/session-log.js';
import { expectCode, texts } from './messages.js';
import { collect } from './collect.js';

/** Reads: versions, listing, events, and the error contract. */
export function readConformance(factory: StoreHarnessFactory): void {
  let h: StoreHarness;
  let log: SessionLog;
  let now: number;
  beforeEach(async () => {
    h = factory();
    now = 1_000_000;
    log = await h.open({ clock: () => now, checkpointEvery: 3 });
  });
  afterEach(() => h.dispose());

  describe('reading past versions', () => {
    it('atVersion returns the history and summary right after that event, across checkpoints', async () => {
      const expected: Array<{ history: unknown[]; summary: string }> = [{ history: [], summary: '' }];
      const record = async (): Promise<void> => void expected.push({ history: texts(await log.getHistory('k')), summary: await log.getSummary('k') });
      for (let i = 0; i < 7; i++) {
        await log.addMessage('k', 'user', `m${i}`);
        await record();
      }
      await log.truncateHistory('k', 3);
      await record();
      await log.setSummary('k', 'sum', { through: 8 });
      await record();
      await log.setHistory('k', [{ role: 'user', content: 'new' }]);
      await record();
      for (let i = 0; i < 4; i++) {
        await log.addMessage('k', 'assistant', `n${i}`);
        await record();
      }
      for (let v = 0; v < expected.length; v++) {
        expect(texts(await log.getHistory('k', { atVersion: v })), `history at ${v}`).toEqual(expected[v]?.history);
        expect(await log.getSummary('k', { atVersion: v }), `summary at ${v}`).toBe(expected[v]?.summary);
      }
      await expectCode(log.getHistory('k', { atVersion: expected.length }), 'INVALID_ARGUMENT');
    });

    it('replay steps add and remove exactly what atVersion reads show', async () => {
      await log.addMessages('k', [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }]);
      await log.addMessage('k', 'user', 'c');
      await log.setSummary('k', 'ab', { through: 1 });
      await log.truncateHistory('k', 0);
      await log.setHistory('k', [{ role: 'user', content: 'x' }, { role: 'user', content: 'y' }]);
      await log.updateMetadata('k', { m: 1 });
      await log.addMessage('k', 'assistant', 'z');
      const steps = await collect(log.replay('k'));
      expect(steps.map((s) => s.event.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      let history: unknown[] = [];
      for (const s of steps) {
        expect(history.slice(0, s.removed.length)).toEqual(texts(s.removed));
        history = [...history.slice(s.removed.length), ...texts(s.added)];
        expect(history, `after v${s.event.version}`).toEqual(texts(await log.getHistory('k', { atVersion: s.event.version })));
        expect(s.messageCount).toBe(history.length);
        expect(s.summary).toBe(await log.getSummary('k', { atVersion: s.event.version }));
      }
      expect(steps.map((s) => s.summaryChanged)).toEqual([false, false, true, false, false, false, false]);
      expect(steps[5]?.metadata).toEqual({ m: 1 });
      const tail = await collect(log.replay('k', { fromVersion: 5 }));
      expect(tail.map((s) => [s.event.version, texts(s.removed), texts(s.added)])).toEqual([
        [5, [], ['x', 'y']],
        [6, [], []],
        [7, [], ['z']],
      ]);
    });

    it('a caller changing a history it was given never changes what the next read returns', async () => {
      const call = { id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } };
      for (let i = 0; i < 7; i++) await log.addFullMessage('k', i === 1 ? { role: 'assistant', content: 'x', tool_calls: [call] } : { role: 'user', content: `m${i}` });
      const first = await log.getHistory('k'); // sealed chunks are now decoded (and, on LMDB, cached)
      first[0]!.content = 'changed';
      ((first[1]!['tool_calls'] as Array<{ id: string }>)[0] as { id: string }).id = 'changed';
      first.pop();
      const again = await log.getHistory('k');
      expect(again).toHaveLength(7);
      expect(again[0]?.content).toBe('m0');
      expect(again[1]?.['tool_calls']).toEqual([call]);
    });

    it('returns empty values for unknown sessions', async () => {
      expect(await log.getHistory('nobody')).toEqual([]);
      expect(await log.getSummary('nobody')).toBe('');
      expect(await log.getSession('nobody')).toBeUndefined();
      expect(await collect(log.readEvents('nobody'))).toEqual([]);
    });

    it('readEvents honours from and to, with timestamps from the clock', async () => {
      for (let i = 0; i < 5; i++) {
        now += 10;
        await log.addMessage('k', 'user', `m${i}`, { eventId: `e${i}` });
      }
      const events = await collect(log.readEvents('k', { fromVersion: 2, toVersion: 4 }));
      expect(events.map((e) => [e.version, e.at, e.eventId])).toEqual([
        [2, 1_000_020, 'e1'],
        [3, 1_000_030, 'e2'],
        [4, 1_000_040, 'e3'],
      ]);
      expect(events[0]).toMatchObject({ type: 'messages.added', from: 1, messages: [{ role: 'user', content: 'm1' }] });
    });
  });

  describe('sessions', () => {
    it('getSession reports counts and times', async () => {
      await log.addMessage('k', 'user', 'a');
      now = 2_000_000;
      await log.addMessage('k', 'user', 'b');
      await log.setSummary('k', 'sum');
      expect(await log.getSession('k')).toEqual({
        key: 'k',
        version: 3,
        messageCount: 2,
        createdAt: 1_000_000,
        updatedAt: 2_000_000,
        summary: 'sum',
        metadata: {},
      });
    });

    it('lists newest first, in pages, with a prefix filter', async () => {
      for (let i = 0; i < 7; i++) {
        now += 1;
        await log.addMessage(i % 2 === 0 ? `tg:${i}` : `cli:${i}`, 'user', 'x');
      }
      now += 1;
      await log.addMessage('tg:0', 'user', 'touch'); // moves to the front
      const first = await log.listSessions({ limit: 3 });
      expect(first.sessions.map((s) => s.key)).toEqual(['tg:0', 'tg:6', 'cli:5']);
      const second = await log.listSessions({ limit: 3, cursor: first.cursor as string });
      expect(second.sessions.map((s) => s.key)).toEqual(['tg:4', 'cli:3', 'tg:2']);
      const third = await log.listSessions({ limit: 3, cursor: second.cursor as string });
      expect(third.sessions.map((s) => s.key)).toEqual(['cli:1']);
      expect(third.cursor).toBeUndefined();
      expect((await log.listSessions({ prefix: 'tg:' })).sessions.map((s) => s.key)).toEqual(['tg:0', 'tg:6', 'tg:4', 'tg:2']);
      const p1 = await log.listSessions({ prefix: 'cli:', limit: 2 });
      expect(p1.sessions.map((s) => s.key)).toEqual(['cli:5', 'cli:3']);
      expect((await log.listSessions({ prefix: 'cli:', limit: 2, cursor: p1.cursor as string })).sessions.map((s) => s.key)).toEqual(['cli:1']);
    });
  });

  describe('conditional and idempotent writes', () => {
    it('expectedVersion: CONFLICT with expected and actual, nothing written', async () => {
      await log.addMessage('k', 'user', 'a', { expectedVersion: 0 });
      const err = await expectCode(log.addMessage('k', 'user', 'b', { expectedVersion: 0 }), 'CONFLICT');
      expect([err.expected, err.actual]).toEqual([0, 1]);
      await expectCode(log.setHistory('k', [], { expectedVersion: 2 }), 'CONFLICT');
      expect(await log.setHistory('k', [], { expectedVersion: 1 })).toEqual({ version: 2 });
      expect((await log.getSession('k'))?.version).toBe(2);
    });

    it('exactly one of two writers on the same version wins', async () => {
      await log.addMessage('k', 'user', 'a');
      const results = await Promise.allSettled([
        log.setHistory('k', [{ role: 'user', content: 'x' }], { expectedVersion: 1 }),
        log.setHistory('k', [{ role: 'user', content: 'y' }], { expectedVersion: 1 }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect((await log.getSession('k'))?.version).toBe(2);
    });

    it('eventId: a retried write is applied once, also after reopen', async () => {
      expect(await log.addMessage('k', 'user', 'a', { eventId: 'turn-1' })).toEqual({ version: 1 });
      expect(await log.addMessage('k', 'user', 'a', { eventId: 'turn-1' })).toEqual({ version: 1, duplicate: true });
      await log.addMessage('k', 'user', 'b', { eventId: 'turn-2' });
      await log.close();
      const again = await h.open();
      expect(await again.addMessage('k', 'user', 'a', { eventId: 'turn-1' })).toEqual({ version: 1, duplicate: true });
      expect(texts(await again.getHistory('k'))).toEqual(['a', 'b']);
      expect((await again.getSession('k'))?.version).toBe(2);
    });
  });

  describe('bad input', () => {
    const badMessages: Array<[string, unknown]> = [
      ['not an object', 'hello'],
      ['null', null],
      ['an array', [{ role: 'user' }]],
      ['empty role', { role: '', content: 'x' }],
      ['non-string role', { role: 1, content: 'x' }],
      ['a function', { role: 'user', content: () => 1 }],
      ['a symbol', { role: 'user', content: Symbol('s') }],
      ['a bigint', { role: 'user', content: 1n }],
      ['NaN', { role: 'user', content: Number.NaN }],
      ['Infinity', { role: 'user', n: Infinity }],
      ['a Date', { role: 'user', content: new Date(0) }],
      ['a class instance', { role: 'user', content: new (class Foo {})() }],
      ['an array hole', { role: 'user', content: [1, , 3] }],
      ['undefined in an array', { role: 'user', content: [undefined] }],
      ['a Map', { role: 'user', content: new Map() }],
    ];
    it.each(badMessages)('rejects a message with %s, writing nothing', async (_, message) => {
      await log.addMessage('k', 'user', 'before');
      await expectCode(log.addFullMessage('k', message as never), 'INVALID_ARGUMENT');
      await expectCode(log.addMessages('k', [{ role: 'user', content: 'ok' }, message as never]), 'INVALID_ARGUMENT');
      await expectCode(log.setHistory('k', [message as never]), 'INVALID_ARGUMENT');
      expect((await log.getSession('k'))?.version).toBe(1);
      expect(texts(await log.getHistory('k'))).toEqual(['before']);
    });

    it('rejects cycles and absurd nesting', async () => {
      const cyclic: Record<string, unknown> = { role: 'user' };
      cyclic['self'] = cyclic;
      await expectCode(log.addFullMessage('k', cyclic as never), 'INVALID_ARGUMENT');
      let deep: unknown = 'leaf';
      for (let i = 0; i < 1000; i++) deep = [deep];
      await expectCode(log.addMessage('k', 'user', deep), 'INVALID_ARGUMENT');
      expect(await log.getSession('k')).toBeUndefined();
    });

    it.each([
      ['empty', ''],
      ['not a string', 42],
      ['a lone surrogate', 'a\ud800'],
      ['over 4096 bytes', 'é'.repeat(2048) + 'x'],
    ])('rejects a key that is %s', async (_, key) => {
      await expectCode(log.addMessage(key as string, 'user', 'x'), 'INVALID_ARGUMENT');
      await expectCode(log.getHistory(key as string), 'INVALID_ARGUMENT');
      expect((await log.stats()).sessions).toBe(0);
    });

    it('rejects bad counts, summaries, patches and options', async () => {
      await log.addMessage('k', 'user', 'x');
      for (const n of [1.5, Number.NaN, '3', undefined]) await expectCode(log.truncateHistory('k', n as number), 'INVALID_ARGUMENT');
      await expectCode(log.setSummary('k', 5 as never), 'INVALID_ARGUMENT');
      await expectCode(log.setSummary('k', 'x', { through: -1 }), 'INVALID_ARGUMENT');
      await expectCode(log.updateMetadata('k', [] as never), 'INVALID_ARGUMENT');
      await expectCode(log.updateMetadata('k', { f: () => 1 } as never), 'INVALID_ARGUMENT');
      await expectCode(log.addMessage('k', 'user', 'x', { expectedVersion: -1 }), 'INVALID_ARGUMENT');
      await expectCode(log.addMessage('k', 'user', 'x', { eventId: '' }), 'INVALID_ARGUMENT');
      await expectCode(log.addMessages('k', 'x' as never), 'INVALID_ARGUMENT');
      await expectCode(log.listSessions({ cursor: 'nonsense' }), 'INVALID_ARGUMENT');
      await expectCode(log.listSessions({ limit: 0 }), 'INVALID_ARGUMENT');
      expect((await log.getSession('k'))?.version).toBe(1);
    });

    it('rejects what is over maxMessageBytes with TOO_LARGE', async () => {
      const small = await h.open({ maxMessageBytes: 100 });
      await expectCode(small.addMessage('big', 'user', 'x'.repeat(200)), 'TOO_LARGE');
      await expectCode(small.setSummary('big', 'x'.repeat(200)), 'TOO_LARGE');
      await expectCode(small.updateMetadata('big', { x: 'x'.repeat(200) }), 'TOO_LARGE');
      expect(await small.getSession('big')).toBeUndefined();
    });

    it('is CLOSED after close, and close is idempotent', async () => {
      await log.close();
      await log.close();
      await expectCode(log.addMessage('k', 'user', 'x'), 'CLOSED');
      await expectCode(log.getHistory('k'), 'CLOSED');
    });

    it('an iteration still going on when the log closes stops with CLOSED', async () => {
      for (let i = 0; i < 299; i++) await log.addMessage('k', 'user', `n${i}`);
      const it = log.readEvents('k')[Symbol.asyncIterator]();
      expect((await it.next()).done).toBe(false);
      await log.close();
      let error: unknown;
      try {
        for (let r = await it.next(); r.done !== true; r = await it.next());
      } catch (e) {
        error = e;
      }
      expect((error as { code?: unknown } | undefined)?.code).toBe('CLOSED');
    });

    it('a list cursor or prefix no listing could have made is INVALID_ARGUMENT on every store', async () => {
      await log.addMessage('u:😀', 'user', 'x');
      const forged = (k: unknown): string => Buffer.from(JSON.stringify(k), 'utf8').toString('base64url');
      for (const cursor of [forged([1, 1.5]), forged([1e300, 1e300]), forged([1, -1e20]), forged(['a', 1]), 'not base64 json']) {
        await expectCode(log.listSessions({ cursor }), 'INVALID_ARGUMENT');
      }
      for (const prefix of ['u:\ud83d', 'u:\ude00']) await expectCode(log.listSessions({ prefix }), 'INVALID_ARGUMENT');
      expect((await log.listSessions({ prefix: 'u:😀' })).sessions.map((x) => x.key)).toEqual(['u:😀']);
    });
  });
}
