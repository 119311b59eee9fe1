import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreHarness, StoreHarnessFactory } from './harness.js';
import type { SessionLog } from '../engine/session-log.js';
import type { Message } from '../types.js';
import { expectCode, texts, toolTurn } from './messages.js';
import { collect } from './collect.js';

/** Writes: one event per call, contiguous versions, the history rules. */
export function writeConformance(factory: StoreHarnessFactory): void {
  let h: StoreHarness;
  let log: SessionLog;
  beforeEach(async () => {
    h = factory();
    log = await h.open();
  });
  afterEach(() => h.dispose());

  describe('appending', () => {
    it('round-trips every field of a message verbatim', async () => {
      const message: Message = {
        role: 'assistant',
        content: 'héllo <b>wörld</b> & 🦀 \u2028 "quoted"',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get', arguments: '{"q":"x"}' }, extra_content: { n: null } }],
        reasoning_content: 'thinking…',
        unknown_field: { nested: [1, 2.5, -3e-7, true, false, null, { deep: ['x'] }] },
        '': 'empty key',
        __proto__field: 1,
      };
      await log.addFullMessage('k', message);
      expect(await log.getHistory('k')).toStrictEqual([message]);
    });

    it('round-trips role-less items (Responses, Agents SDK) and every message format exactly, also after reopen', async () => {
      const messages: Message[] = [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'weather?' }] },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAA' },
        { type: 'function_call', callId: 'a', name: 'weather', arguments: '{"city":"Oslo"}', status: 'completed' },
        { type: 'function_call_result', callId: 'a', name: 'weather', status: 'completed', output: { type: 'text', text: 'sunny' } },
        { type: 'function_call_output', call_id: 'b', output: 'raw API' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'x' }] },
        { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c', toolName: 'f', output: { type: 'json', value: null } }] },
        { id: 'ui1', role: 'assistant', parts: [{ type: 'tool-f', toolCallId: 'd', state: 'output-available', input: {}, output: 1 }] },
        { anything: ['opaque', { n: 1.5 }] },
      ];
      await log.addMessages('k', messages);
      expect(await log.getHistory('k')).toStrictEqual(messages);
      await log.setHistory('k', messages.slice(1));
      expect(await log.getHistory('k', { atVersion: 1 })).toStrictEqual(messages);
      await log.close();
      log = await h.open();
      expect(await log.getHistory('k')).toStrictEqual(messages.slice(1));
      expect((await collect(log.readEvents('k'))).map((e) => (e.type === 'messages.added' || e.type === 'history.replaced' ? e.messages : []))).toStrictEqual([messages, messages.slice(1)]);
    });

    it('keeps an own __proto__ key and lone surrogates in content as plain data', async () => {
      const message = JSON.parse('{"role":"user","content":"\\ud800 lone","__proto__":{"polluted":true}}') as Message;
      await log.addFullMessage('k', message);
      const [back] = await log.getHistory('k');
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(Object.keys(back as object)).toEqual(['role', 'content', '__proto__']);
      expect(JSON.stringify(back)).toBe(JSON.stringify(message));
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });

    it('stores a 10 MiB content', async () => {
      const big = 'x'.repeat(10 * 1024 * 1024);
      await log.addMessage('k', 'user', big);
      expect(((await log.getHistory('k'))[0]?.content as string).length).toBe(big.length);
    });

    it('gives each write the next version, 1, 2, 3…', async () => {
      expect(await log.addMessage('k', 'user', 'a')).toEqual({ version: 1 });
      expect(await log.addMessages('k', [{ role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }])).toEqual({ version: 2 });
      expect(await log.setSummary('k', 's')).toEqual({ version: 3 });
      expect(await log.updateMetadata('k', { a: 1 })).toEqual({ version: 4 });
      expect(await log.truncateHistory('k', 10)).toEqual({ version: 5 });
      expect(await log.setHistory('k', [])).toEqual({ version: 6 });
      expect((await collect(log.readEvents('k'))).map((e) => [e.version, e.type])).toEqual([
        [1, 'messages.added'],
        [2, 'messages.added'],
        [3, 'summary.set'],
        [4, 'metadata.updated'],
        [5, 'history.truncated'],
        [6, 'history.replaced'],
      ]);
    });

    it('keeps order of writes issued in the same tick, 10 sessions × 20 appends = 200', async () => {
      const writes: Array<Promise<unknown>> = [];
      for (let s = 0; s < 10; s++) for (let i = 0; i < 20; i++) writes.push(log.addMessage(`s${s}`, 'user', `m${i}`));
      await Promise.all(writes);
      let total = 0;
      for (let s = 0; s < 10; s++) {
        const hist = await log.getHistory(`s${s}`);
        expect(texts(hist)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
        expect((await log.getSession(`s${s}`))?.version).toBe(20);
        total += hist.length;
      }
      expect(total).toBe(200);
    });

    it('keeps sessions isolated and keys exact', async () => {
      await log.addMessage('telegram:123', 'user', 'colon');
      await log.addMessage('telegram_123', 'user', 'underscore');
      expect(texts(await log.getHistory('telegram:123'))).toEqual(['colon']);
      expect(texts(await log.getHistory('telegram_123'))).toEqual(['underscore']);
      expect(await log.getHistory('telegram')).toEqual([]);
    });

    it('accepts a key of 4096 UTF-8 bytes', async () => {
      const key = 'é'.repeat(2048);
      await log.addMessage(key, 'user', 'x');
      expect((await log.getSession(key))?.key).toBe(key);
    });

    it('survives reopening', async () => {
      await log.addMessage('k', 'user', 'a');
      await log.setSummary('k', 'sum');
      await log.updateMetadata('k', { channel: 'telegram' });
      await log.close();
      const again = await h.open();
      expect(texts(await again.getHistory('k'))).toEqual(['a']);
      expect(await again.getSummary('k')).toBe('sum');
      expect((await again.getSession('k'))?.metadata).toEqual({ channel: 'telegram' });
      expect((await again.addMessage('k', 'user', 'b')).version).toBe(4);
    });
  });

  describe('truncateHistory', () => {
    beforeEach(async () => {
      await log.addMessages('k', Array.from({ length: 10 }, (_, i) => ({ role: 'user', content: `m${i}` })));
    });
    it.each([
      [4, ['m6', 'm7', 'm8', 'm9']],
      [0, []],
      [-3, []],
      [100, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']],
    ])('keepLast %i keeps the last ones', async (n, want) => {
      await log.truncateHistory('k', n);
      expect(texts(await log.getHistory('k'))).toEqual(want);
      expect((await log.getSession('k'))?.messageCount).toBe(want.length);
    });

    it('records the resolved absolute cut', async () => {
      await log.truncateHistory('k', 4);
      await log.truncateHistory('k', 2);
      const cuts = (await collect(log.readEvents('k', { fromVersion: 2 }))).map((e) => (e.type === 'history.truncated' ? e.start : -1));
      expect(cuts).toEqual([6, 8]);
    });
  });

  describe('safe truncation', () => {
    it('moves the cut back to the user message that starts the turn', async () => {
      await log.addMessages('k', [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'a1' }, ...toolTurn('q2', 'c1')]);
      // plain keepLast 2 would keep [tool result, final answer]: an orphan tool result.
      await log.truncateHistory('k', 2, { safe: true });
      const hist = await log.getHistory('k');
      expect(hist[0]).toMatchObject({ role: 'user', content: 'q2' });
      expect(hist).toHaveLength(4);
    });

    it('moves forward to the next turn when none starts at or before the cut', async () => {
      await log.addMessages('k', [
        { role: 'assistant', content: 'greeting' },
        { role: 'assistant', content: 'more' },
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
      ]);
      await log.truncateHistory('k', 3, { safe: true });
      expect(texts(await log.getHistory('k'))).toEqual(['q', 'a']);
    });

    it('drops everything when no turn starts after the cut either', async () => {
      await log.addMessages('k', [
        { role: 'assistant', content: 'x', tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', content: 'r', tool_call_id: 't' },
      ]);
      await log.truncateHistory('k', 1, { safe: true });
      expect(await log.getHistory('k')).toEqual([]);
    });
  });

  describe('setHistory and setSummary', () => {
    it('setHistory replaces everything', async () => {
      await log.addMessages('k', [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }]);
      await log.setHistory('k', [{ role: 'user', content: 'fresh' }]);
      expect(texts(await log.getHistory('k'))).toEqual(['fresh']);
      await log.setHistory('k', []);
      expect(await log.getHistory('k')).toEqual([]);
      expect(texts(await log.getHistory('k', { atVersion: 1 }))).toEqual(['a', 'b']);
    });

    it('setSummary through v drops what was added at or before v and nothing after', async () => {
      await log.addMessage('k', 'user', 'a'); // v1
      await log.addMessage('k', 'assistant', 'b'); // v2
      const seen = (await log.getSession('k'))?.version ?? 0; // summariser reads here
      await log.addMessage('k', 'user', 'c'); // v3: the agent loop keeps going
      await log.setSummary('k', 'a and b', { through: seen });
      expect(texts(await log.getHistory('k'))).toEqual(['c']);
      expect(await log.getSummary('k')).toBe('a and b');
      expect(await log.getSummary('k', { atVersion: 3 })).toBe('');
    });

    it('setSummary without through keeps the history', async () => {
      await log.addMessage('k', 'user', 'a');
      await log.setSummary('k', 'one');
      await log.setSummary('k', 'two');
      expect(texts(await log.getHistory('k'))).toEqual(['a']);
      expect(await log.getSummary('k')).toBe('two');
      expect(await log.getSummary('k', { atVersion: 2 })).toBe('one');
    });

    it('a through that was already cut by a truncation never resurrects messages', async () => {
      await log.addMessages('k', [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }, { role: 'user', content: 'c' }]);
      await log.truncateHistory('k', 1);
      await log.setSummary('k', 's', { through: 1 });
      expect(texts(await log.getHistory('k'))).toEqual([]);
      await log.addMessage('k', 'user', 'd');
      await log.setSummary('k', 's2', { through: 0 });
      expect(texts(await log.getHistory('k'))).toEqual(['d']);
    });

    it('rejects a through beyond the current version and writes nothing', async () => {
      await log.addMessage('k', 'user', 'a');
      await expectCode(log.setSummary('k', 's', { through: 2 }), 'INVALID_ARGUMENT');
      expect((await log.getSession('k'))?.version).toBe(1);
    });
  });

  describe('metadata and deletion', () => {
    it('merges shallowly; null deletes', async () => {
      await log.updateMetadata('k', { a: 1, b: { x: 1 } });
      await log.updateMetadata('k', { b: { y: 2 }, c: 'c' });
      await log.updateMetadata('k', { a: null });
      expect((await log.getSession('k'))?.metadata).toEqual({ b: { y: 2 }, c: 'c' });
      const patches = (await collect(log.readEvents('k'))).map((e) => (e.type === 'metadata.updated' ? e.patch : undefined));
      expect(patches).toEqual([{ a: 1, b: { x: 1 } }, { b: { y: 2 }, c: 'c' }, { a: null }]);
    });

    it('deleteSession removes everything and a new session with the key starts at 1', async () => {
      await log.addMessage('k', 'user', 'a');
      await log.setSummary('k', 's');
      expect(await log.deleteSession('k')).toBe(true);
      expect(await log.deleteSession('k')).toBe(false);
      expect(await log.getSession('k')).toBeUndefined();
      expect(await log.getHistory('k')).toEqual([]);
      expect(await log.getSummary('k')).toBe('');
      expect(await collect(log.readEvents('k'))).toEqual([]);
      expect((await log.listSessions()).sessions).toEqual([]);
      expect(await log.addMessage('k', 'user', 'again')).toEqual({ version: 1 });
      expect(await log.stats()).toMatchObject({ sessions: 1, events: 1 });
    });

    it('writes and deletions called in the same tick apply in call order', async () => {
      const before = log.addMessage('k', 'user', 'before');
      const deleted = log.deleteSession('k');
      const after = log.addMessage('k', 'user', 'after');
      const other = log.addMessage('o', 'user', 'kept');
      expect(await before).toEqual({ version: 1 });
      expect(await deleted).toBe(true);
      expect(await after).toEqual({ version: 1 });
      await other;
      expect(texts(await log.getHistory('k'))).toEqual(['after']);
      expect(texts(await log.getHistory('o'))).toEqual(['kept']);
      expect(await log.stats()).toMatchObject({ sessions: 2, events: 2 });
    });
  });
}
