import { describe, expect, it } from 'vitest';
import { createChatStore } from '../src/adapters/ai-sdk/index.js';
import type { UIMessageLike } from '../src/adapters/ai-sdk/index.js';
import type { SessionLog } from '../src/engine/session-log.js';
import type { SessionEvent } from '../src/types.js';
import { BACKENDS } from './support/harness.js';
import { SDKS, userMessage } from './support/ai-sdk.js';

/** JSON form: what the client holds and what the store keeps (undefined fields dropped). */
const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

async function events(log: SessionLog, key: string): Promise<SessionEvent[]> {
  const out: SessionEvent[] = [];
  for await (const e of log.readEvents(key)) out.push(e);
  return out;
}

const textOf = (m: UIMessageLike | undefined): string =>
  (m?.parts ?? []).map((p) => ((p as { type: string }).type === 'text' ? (p as { text: string }).text : '')).join('');

describe.each(BACKENDS)('ai-sdk chat store on %s', (_store, factory) => {
  describe.each(SDKS.map((s) => [s.name, s] as const))('%s', (_name, sdk) => {
    it('saves exchanges with a tool call, a regeneration, an edit and retried saves through the real streamText loop', async () => {
      const h = factory();
      let log = await h.open();
      try {
        let store = createChatStore({ log });
        const chatId = 'chat-1';

        // 1. A tool call and its answer in one response message.
        const u1 = userMessage('What is the weather in Paris?');
        const first = await sdk.exchange({ store, chatId, messages: [u1], turns: [{ call: { id: 'call-1', city: 'Paris' } }, { text: 'Sunny, 21 °C.' }] });
        expect(first.messages).toHaveLength(2);
        const toolPart = first.messages[1]?.parts.find((p) => (p as { type: string }).type === 'tool-weather') as Record<string, unknown>;
        expect(toolPart).toMatchObject({ toolCallId: 'call-1', state: 'output-available', output: { sky: 'sunny' } });
        expect(await store.loadChat(chatId)).toEqual(wire(first.messages));
        expect((await events(log, chatId)).map((e) => e.type)).toEqual(['messages.added']);

        // 2. The same save again (a retried onFinish) writes nothing.
        const version = (await log.getSession(chatId))?.version;
        await store.saveChat({ chatId, messages: first.messages });
        expect((await log.getSession(chatId))?.version).toBe(version);

        // 3. The next exchange, from what loadChat returns (the docs' "send only the last message"):
        // the model receives the whole history, tool call and result included.
        const loaded = await store.loadChat(chatId);
        const u2 = userMessage('And tomorrow?');
        const validated = await sdk.validate([...loaded, u2]);
        const second = await sdk.exchange({ store, chatId, messages: validated, turns: [{ text: 'Rain.' }] });
        const prompt = JSON.stringify(second.prompts[0]);
        expect(prompt).toContain('call-1');
        expect(prompt).toContain('sunny');
        expect(prompt).toContain('And tomorrow?');
        expect(await store.loadChat(chatId)).toEqual(wire(second.messages));
        const added = (await events(log, chatId)).at(-1);
        expect(added).toMatchObject({ type: 'messages.added' });
        expect(added?.type === 'messages.added' ? added.messages.map((m) => m['id']) : []).toEqual([u2.id, second.messages[3]?.id]);
        const beforeRegenerate = (await log.getSession(chatId))?.version ?? 0;

        // 4. Regenerate: the client drops the last answer and asks again; one replacement event.
        const regenerated = await sdk.exchange({ store, chatId, messages: second.messages.slice(0, 3), turns: [{ text: 'Showers, then sun.' }] });
        const replaced = (await events(log, chatId)).at(-1);
        expect(replaced).toMatchObject({ type: 'messages.replaced', removed: 1, version: beforeRegenerate + 1 });
        expect(replaced?.eventId).toMatch(/^ai-sdk:/);
        const now = await store.loadChat(chatId);
        expect(now).toEqual(wire(regenerated.messages));
        expect(textOf(now[3])).toBe('Showers, then sun.');
        // What the model said before is still there, at its version.
        expect(textOf((await store.loadChat(chatId, { atVersion: beforeRegenerate }))[3])).toBe('Rain.');

        // 5. Edit the second question in place (same id) and continue: its tail is replaced.
        const edited = { ...u2, parts: [{ type: 'text', text: 'And on Sunday?' }] };
        const continued = await sdk.exchange({ store, chatId, messages: [...regenerated.messages.slice(0, 2), edited], turns: [{ text: 'Clear skies.' }] });
        expect((await events(log, chatId)).at(-1)).toMatchObject({ type: 'messages.replaced', removed: 2 });
        expect((await store.loadChat(chatId)).map(textOf).slice(2)).toEqual(['And on Sunday?', 'Clear skies.']);

        // 6. Retried saves: after a reopen, and two identical saves racing: nothing new, one event.
        await log.close();
        log = await h.open();
        store = createChatStore({ log });
        const count = (await events(log, chatId)).length;
        await store.saveChat({ chatId, messages: continued.messages });
        expect(await events(log, chatId)).toHaveLength(count);
        const u3 = userMessage('Thanks!');
        const next = [...continued.messages, u3];
        await Promise.all([store.saveChat({ chatId, messages: next }), store.saveChat({ chatId, messages: next })]);
        expect(await events(log, chatId)).toHaveLength(count + 1);

        // 7. What loadChat returns passes the SDK's own validation, tool part included.
        const final = await store.loadChat(chatId);
        expect(await sdk.validate(final)).toEqual(final);
        expect(final).toEqual(wire(next));
      } finally {
        await h.dispose();
      }
    });
  });
});
