import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreHarness, StoreHarnessFactory } from './harness.js';
import type { SessionLog } from '../engine/session-log.js';
import type { Message } from '../types.js';
import { expectCode, texts } from './messages.js';
import { replayEvents } from './replay.js';
import { collect } from './collect.js';

const msg = (content: string, role = 'user'): Message => ({ role, content });
const many = (prefix: string, n: number): Message[] => Array.from({ length: n }, (_, i) => msg(`${prefix}${i}`, i % 2 === 0 ? 'user' : 'assistant'));

/**
 * What agent-framework adapters need: the newest messages (`getHistory … last`), removing and
 * replacing the newest messages (`removeLast`, `replaceLast`), fingerprinted event ids and
 * recorded empty appends.
 */
export function newestConformance(factory: StoreHarnessFactory): void {
  let h: StoreHarness;
  let log: SessionLog;
  beforeEach(async () => {
    h = factory();
    log = await h.open();
  });
  afterEach(() => h.dispose());

  describe('getHistory last', () => {
    it('returns the newest n visible messages, also at an older version', async () => {
      await log.addMessages('k', many('a', 5));
      await log.truncateHistory('k', 4);
      await log.addMessages('k', many('b', 2));
      expect(texts(await log.getHistory('k', { last: 3 }))).toEqual(['a4', 'b0', 'b1']);
      expect(texts(await log.getHistory('k', { last: 100 }))).toEqual(['a1', 'a2', 'a3', 'a4', 'b0', 'b1']);
      expect(await log.getHistory('k', { last: 0 })).toEqual([]);
      expect(texts(await log.getHistory('k', { atVersion: 1, last: 2 }))).toEqual(['a3', 'a4']);
      expect(await log.getHistory('none', { last: 2 })).toEqual([]);
    });

    it('rejects a bad last and unknown option keys', async () => {
      await log.addMessage('k', 'user', 'x');
      for (const bad of [-1, 1.5, '2', Number.NaN]) await expectCode(() => log.getHistory('k', { last: bad as number }), 'INVALID_ARGUMENT');
      const e = await expectCode(() => log.getHistory('k', { lats: 1 } as never), 'INVALID_ARGUMENT');
      expect(e.message).toMatch(/did you mean "last"/);
      await expectCode(() => log.getSummary('k', { last: 1 } as never), 'INVALID_ARGUMENT');
    });
  });

  describe('removeLast and replaceLast', () => {
    it('removeLast removes the newest messages in one event and returns them', async () => {
      await log.addMessages('k', many('a', 4));
      const r = await log.removeLast('k', 2);
      expect(r.version).toBe(2);
      expect(texts(r.removed)).toEqual(['a2', 'a3']);
      expect(texts(await log.getHistory('k'))).toEqual(['a0', 'a1']);
      expect(await collect(log.readEvents('k', { fromVersion: 2 }))).toMatchObject([{ version: 2, type: 'messages.removed', count: 2, from: 2 }]);
      // The positions go to what follows; the past stays readable exactly.
      await log.addMessage('k', 'user', 'c');
      expect(texts(await log.getHistory('k'))).toEqual(['a0', 'a1', 'c']);
      expect(texts(await log.getHistory('k', { atVersion: 1 }))).toEqual(['a0', 'a1', 'a2', 'a3']);
      expect(texts(await log.getHistory('k', { atVersion: 2 }))).toEqual(['a0', 'a1']);
      expect((await log.getSession('k'))?.messageCount).toBe(3);
    });

    it('replaceLast swaps the newest messages for others in one event', async () => {
      await log.addMessages('k', many('a', 3));
      const r = await log.replaceLast('k', 1, [msg('x'), msg('y', 'assistant')]);
      expect(texts(r.removed)).toEqual(['a2']);
      expect(texts(await log.getHistory('k'))).toEqual(['a0', 'a1', 'x', 'y']);
      expect(await collect(log.readEvents('k', { fromVersion: 2 }))).toMatchObject([{ type: 'messages.replaced', removed: 1, from: 2, messages: [msg('x'), msg('y', 'assistant')] }]);
      await log.replaceLast('k', 0, [msg('z')]);
      expect(texts(await log.getHistory('k'))).toEqual(['a0', 'a1', 'x', 'y', 'z']);
      const steps = await collect(log.replay('k'));
      expect(texts(steps[1]?.removed ?? [])).toEqual(['a2']);
      expect(texts(steps[1]?.added ?? [])).toEqual(['x', 'y']);
    });

    it('applies in call order with writes of the same tick', async () => {
      await log.addMessage('k', 'user', 'a');
      const [, popped, , replaced] = await Promise.all([
        log.addMessage('k', 'assistant', 'b'),
        log.removeLast('k', 1),
        log.addMessage('k', 'assistant', 'c'),
        log.replaceLast('k', 1, [msg('d', 'assistant')]),
      ]);
      expect(texts(popped.removed)).toEqual(['b']);
      expect(texts(replaced.removed)).toEqual(['c']);
      expect(texts(await log.getHistory('k'))).toEqual(['a', 'd']);
      expect((await log.getSession('k'))?.version).toBe(5);
    });

    it('maxMessages caps what replaceLast leaves visible, in the same transaction', async () => {
      const capped = await h.open({ maxMessages: 3 });
      await capped.addMessages('c', many('a', 3));
      await capped.replaceLast('c', 1, [msg('x'), msg('y', 'assistant'), msg('z')]);
      expect(texts(await capped.getHistory('c'))).toEqual(['x', 'y', 'z']);
      expect((await collect(capped.readEvents('c'))).map((e) => e.type)).toEqual(['messages.added', 'messages.replaced', 'history.truncated']);
      await capped.close();
    });

    it('removes at most what is visible; never what a cut already removed', async () => {
      await log.addMessages('k', many('a', 5));
      await log.truncateHistory('k', 2);
      const r = await log.removeLast('k', 10);
      expect(texts(r.removed)).toEqual(['a3', 'a4']);
      expect(await log.getHistory('k')).toEqual([]);
      await log.addMessage('k', 'user', 'n');
      expect(texts(await log.getHistory('k'))).toEqual(['n']);
    });

    it('removing nothing writes nothing without an eventId and is recorded with one', async () => {
      expect(await log.removeLast('none', 1)).toEqual({ version: 0, removed: [] });
      expect(await log.getSession('none')).toBeUndefined();
      await log.addMessage('k', 'user', 'x');
      expect(await log.removeLast('k', 0)).toEqual({ version: 1, removed: [] });
      expect(await log.removeLast('k', 0, { eventId: 'pop-0' })).toEqual({ version: 2, removed: [] });
      expect(await log.removeLast('k', 0, { eventId: 'pop-0' })).toEqual({ version: 2, duplicate: true, removed: [] });
    });

    it('is conditional on expectedVersion and idempotent by eventId', async () => {
      await log.addMessages('k', many('a', 3));
      await expectCode(log.removeLast('k', 1, { expectedVersion: 0 }), 'CONFLICT');
      await expectCode(log.replaceLast('k', 1, [msg('x')], { expectedVersion: 5 }), 'CONFLICT');
      expect(texts(await log.getHistory('k'))).toEqual(['a0', 'a1', 'a2']);
      const first = await log.removeLast('k', 1, { expectedVersion: 1, eventId: 'pop-1' });
      const again = await log.removeLast('k', 1, { expectedVersion: 1, eventId: 'pop-1' });
      expect(again).toEqual({ version: first.version, duplicate: true, removed: first.removed });
      expect(texts(await log.getHistory('k'))).toEqual(['a0', 'a1']);
      const rep = await log.replaceLast('k', 1, [msg('r')], { eventId: 'rep' });
      expect(await log.replaceLast('k', 1, [msg('r')], { eventId: 'rep' })).toEqual({ ...rep, duplicate: true });
    });

    it('rejects bad counts and messages before writing anything', async () => {
      await log.addMessage('k', 'user', 'x');
      for (const bad of [-1, 1.5, '1', undefined]) await expectCode(log.removeLast('k', bad as number), 'INVALID_ARGUMENT');
      await expectCode(log.replaceLast('k', 1, 'x' as never), 'INVALID_ARGUMENT');
      await expectCode(log.replaceLast('k', 1, [msg('ok'), { role: 5 } as never]), 'INVALID_ARGUMENT');
      await expectCode(log.removeLast('k', 1, { expected: 1 } as never), 'INVALID_ARGUMENT');
      expect((await log.getSession('k'))?.version).toBe(1);
    });

    it('a summary through a version before a removal drops only what was added by then', async () => {
      await log.addMessages('k', many('a', 3)); // v1: a0 a1 a2
      await log.removeLast('k', 2); // v2: a0
      await log.addMessages('k', [msg('b0'), msg('b1', 'assistant')]); // v3: a0 b0 b1, b0 and b1 at the freed positions
      await log.setSummary('k', 'sum', { through: 1 });
      expect(texts(await log.getHistory('k'))).toEqual(['b0', 'b1']);
      await log.setSummary('k', 'sum2', { through: 2 });
      expect(texts(await log.getHistory('k'))).toEqual(['b0', 'b1']);
    });

    it('may leave a tool call without its result: that is the caller\'s intent, as with popItem', async () => {
      await log.addMessages('k', [msg('q'), { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', content: 'r', tool_call_id: 'c1' }]);
      await log.removeLast('k', 1);
      expect((await log.getHistory('k')).map((m) => m.role)).toEqual(['user', 'assistant']);
    });

    it('keeps every version exact through removals that reach sealed messages, across reopen, verify and GC', async () => {
      const now = { t: 1_000 };
      log = await h.open({ checkpointEvery: 2, clock: () => now.t });
      const expected: Message[][] = [[]];
      let model: Message[] = [];
      const step = async (p: Promise<unknown>, next: Message[]): Promise<void> => {
        await p;
        now.t += 10;
        model = next;
        expected.push(model);
      };
      for (let round = 0; round < 12; round++) {
        const added = many(`r${round}-`, 3 + (round % 3));
        await step(log.addMessages('k', added), [...model, ...added]);
        await step(log.removeLast('k', 2 + (round % 4)), model.slice(0, Math.max(0, model.length - (2 + (round % 4)))));
        const repl = [msg(`x${round}`)];
        await step(log.replaceLast('k', round % 3, repl), [...model.slice(0, model.length - Math.min(round % 3, model.length)), ...repl]);
        if (round % 4 === 3) await step(log.truncateHistory('k', 6), model.slice(-6));
        if (round % 5 === 4) await step(log.updateMetadata('k', { round }), model);
      }
      const checkAll = async (from: number): Promise<void> => {
        const replayed = replayEvents(await collect(log.readEvents('k')));
        for (let v = from; v < expected.length; v++) {
          expect(await log.getHistory('k', { atVersion: v }), `v${v}`).toEqual(expected[v]);
          expect(replayed[v - from]?.history ?? expected[v], `replay v${v}`).toEqual(expected[v]);
          expect(await log.getHistory('k', { atVersion: v, last: 2 })).toEqual((expected[v] ?? []).slice(-2));
        }
      };
      await checkAll(0);
      expect((await log.verify()).mismatches).toEqual([]);
      await log.close();
      log = await h.open({ checkpointEvery: 2, clock: () => now.t, replayWindow: 25 });
      await checkAll(0);
      // GC collects everything older than the window; what stays readable stays exact.
      const report = await log.gc({ now: now.t });
      expect(report.bytesRemoved).toBeGreaterThan(0);
      const base = (await collect(log.readEvents('k')))[0]?.version ?? 1;
      for (let v = base; v < expected.length; v++) expect(await log.getHistory('k', { atVersion: v }), `after gc v${v}`).toEqual(expected[v]);
      expect((await log.verify()).mismatches).toEqual([]);
      // …and the session goes on.
      await log.addMessage('k', 'user', 'after');
      await log.removeLast('k', 3);
      expect(await log.getHistory('k')).toEqual([...(expected[expected.length - 1] ?? []), msg('after')].slice(0, -3));
      await log.gc({ now: now.t + 1_000 });
      expect((await log.verify()).mismatches).toEqual([]);
      expect(await log.getHistory('k')).toEqual([...(expected[expected.length - 1] ?? []), msg('after')].slice(0, -3));
    });
  });

  describe('event ids', () => {
    it('the same change again is a duplicate; a different change with the id is CONFLICT and writes nothing', async () => {
      const first = await log.addMessage('k', 'user', 'hi', { eventId: 'op-1' });
      expect(await log.addMessage('k', 'user', 'hi', { eventId: 'op-1' })).toEqual({ version: first.version, duplicate: true });
      // The same change through another method that records the same event is the same change.
      expect(await log.addMessages('k', [msg('hi')], { eventId: 'op-1' })).toEqual({ version: first.version, duplicate: true });
      const e = await expectCode(log.addMessage('k', 'user', 'other', { eventId: 'op-1' }), 'CONFLICT');
      expect(e.message).toMatch(/eventId "op-1" was already used for a different change/);
      await expectCode(log.setSummary('k', 'hi', { eventId: 'op-1' }), 'CONFLICT');
      await expectCode(log.removeLast('k', 1, { eventId: 'op-1' }), 'CONFLICT');
      await log.truncateHistory('k', 5, { eventId: 'cut', safe: true });
      await expectCode(log.truncateHistory('k', 5, { eventId: 'cut' }), 'CONFLICT');
      await log.setSummary('k', 's', { eventId: 'sum', through: 1 });
      await expectCode(log.setSummary('k', 's', { eventId: 'sum', through: 0 }), 'CONFLICT');
      expect(await log.setSummary('k', 's', { eventId: 'sum', through: 1 })).toMatchObject({ duplicate: true });
      // Time is not part of the change.
      expect(await log.addMessage('k', 'user', 'hi', { eventId: 'op-1', at: 5 })).toMatchObject({ duplicate: true });
      expect((await log.getSession('k'))?.version).toBe(3);
      expect(await log.getHistory('k')).toEqual([]);
      expect(texts(await log.getHistory('k', { atVersion: 2 }))).toEqual(['hi']);
    });

    it('two writes with one id in the same tick: the first applies, a different second is CONFLICT, a same one a duplicate', async () => {
      const [a, b, c] = await Promise.allSettled([
        log.addMessage('k', 'user', 'one', { eventId: 'same-tick' }),
        log.addMessage('k', 'user', 'two', { eventId: 'same-tick' }),
        log.addMessage('k', 'user', 'one', { eventId: 'same-tick' }),
      ]);
      expect(a).toEqual({ status: 'fulfilled', value: { version: 1 } });
      expect(b).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT' } });
      expect(c).toEqual({ status: 'fulfilled', value: { version: 1, duplicate: true } });
      expect(texts(await log.getHistory('k'))).toEqual(['one']);
    });

    it('an empty append with an eventId is recorded, and its retry is a duplicate', async () => {
      expect(await log.addMessages('k', [], { eventId: 'empty-1' })).toEqual({ version: 1 });
      expect(await log.addMessages('k', [], { eventId: 'empty-1' })).toEqual({ version: 1, duplicate: true });
      expect(await collect(log.readEvents('k'))).toMatchObject([{ version: 1, type: 'messages.added', messages: [], eventId: 'empty-1' }]);
      await expectCode(log.addMessages('k', [msg('x')], { eventId: 'empty-1' }), 'CONFLICT');
      expect(await log.getSession('k')).toMatchObject({ version: 1, messageCount: 0 });
    });

    it('an empty append without an eventId writes nothing and resolves to the current version', async () => {
      expect(await log.addMessages('k', [])).toEqual({ version: 0 });
      expect(await log.getSession('k')).toBeUndefined();
      await log.addMessage('k', 'user', 'x');
      expect(await log.addMessages('k', [])).toEqual({ version: 1 });
      await expectCode(log.addMessages('k', [], { expectedVersion: 0 }), 'CONFLICT');
      expect((await log.getSession('k'))?.version).toBe(1);
    });
  });
}
