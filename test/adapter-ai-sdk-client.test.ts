import { describe, expect, it } from 'vitest';
import { createChatStore } from '../src/adapters/ai-sdk/index.js';
import type { ChatStore, UIMessageLike } from '../src/adapters/ai-sdk/index.js';
import type { SessionLog } from '../src/engine/session-log.js';
import type { SessionEvent } from '../src/types.js';
import { BACKENDS } from './support/harness.js';
import { SDKS } from './support/ai-sdk.js';
import type { Any, Sdk, Turn } from './support/ai-sdk.js';

/**
 * The SDK's own client (AbstractChat, the base of useChat, with DefaultChatTransport, which sends
 * the whole chat) against the guide's route handler, over an in-process fetch: sendMessage,
 * regenerate, a client-side tool answered with addToolOutput and sent on automatically (the
 * server continues the same assistant message), and a page reload from loadChat.
 */

/** The state a framework binding (React, Vue…) keeps; here plain arrays. */
class ArrayState {
  status = 'ready';
  error: Error | undefined = undefined;
  constructor(public messages: UIMessageLike[] = []) {}
  pushMessage = (m: UIMessageLike): void => void (this.messages = [...this.messages, m]);
  popMessage = (): void => void (this.messages = this.messages.slice(0, -1));
  replaceMessage = (i: number, m: UIMessageLike): void => void (this.messages = this.messages.map((x, j) => (j === i ? m : x)));
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

function route(sdk: Sdk, store: ChatStore, turns: Turn[]): (url: unknown, init?: RequestInit) => Promise<Response> {
  const { model } = sdk.model(turns);
  let ids = 0;
  return async (_url, init) => {
    const { id, messages } = JSON.parse(String(init?.body)) as { id: string; messages: UIMessageLike[] };
    const result = sdk.ai.streamText({ model, messages: await sdk.ai.convertToModelMessages(messages, { tools: sdk.tools }), tools: sdk.tools, stopWhen: sdk.ai.stepCountIs(5) });
    return result.toUIMessageStreamResponse({
      originalMessages: messages,
      generateMessageId: () => `srv-${++ids}`,
      onFinish: ({ messages: all }: { messages: UIMessageLike[] }) => store.saveChat({ chatId: id, messages: all }),
    }) as Response;
  };
}

function client(sdk: Sdk, chatId: string, fetch: unknown, messages: UIMessageLike[] = []): Any {
  const { AbstractChat, DefaultChatTransport, lastAssistantMessageIsCompleteWithToolCalls } = sdk.ai;
  const Chat: Any = class extends AbstractChat {};
  const chat: Any = new Chat({
    id: chatId,
    state: new ArrayState(messages),
    transport: new DefaultChatTransport({ api: 'http://localhost/api/chat', fetch }),
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
    onToolCall: ({ toolCall }: { toolCall: { toolName: string; toolCallId: string } }) => {
      // Not awaited, as the SDK's docs say: the chat sends the answer on when the stream ends.
      if (toolCall.toolName === 'askLocation') void chat.addToolOutput({ tool: 'askLocation', toolCallId: toolCall.toolCallId, output: 'Lyon' });
    },
  });
  return chat;
}

async function types(log: SessionLog, key: string): Promise<string[]> {
  const out: SessionEvent[] = [];
  for await (const e of log.readEvents(key)) out.push(e);
  return out.map((e) => (e.type === 'messages.replaced' ? `replaced ${e.removed}` : e.type === 'messages.added' ? `added ${e.messages.length}` : e.type));
}

const wire = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe.each(BACKENDS)('ai-sdk chat store with the SDK client on %s', (_store, factory) => {
  it.each(SDKS.map((s) => [s.name, s] as const))('%s: sendMessage, a client-side tool, regenerate, reload', async (_name, sdk) => {
    const h = factory();
    const log = await h.open();
    try {
      const store = createChatStore({ log });
      const fetch = route(sdk, store, [
        { call: { id: 'w1', city: 'Paris' } },
        { text: 'Sunny in Paris.' },
        { ask: { id: 'loc1' } },
        { text: 'Cloudy in Lyon.' },
        { text: 'Rainy in Lyon.' },
        { text: 'You are welcome.' },
      ]);
      const chat = client(sdk, 'c1', fetch);
      await chat.sendMessage({ text: 'Weather in Paris?' });
      expect(await store.loadChat('c1')).toEqual(wire(chat.messages));

      // The model asks the browser for the location; the client answers and the chat sends it
      // on: the server continues the same assistant message, which replaces the stored one.
      await chat.sendMessage({ text: 'And where I am?' });
      const stored = await store.loadChat('c1');
      expect(stored).toEqual(wire(chat.messages));
      expect(stored).toHaveLength(4);
      expect(JSON.stringify(stored[3])).toContain('Lyon');
      expect(await types(log, 'c1')).toEqual(['added 2', 'added 2', 'replaced 1']);

      await chat.regenerate();
      expect(await store.loadChat('c1')).toEqual(wire(chat.messages));
      expect(JSON.stringify(chat.messages[3])).toContain('Rainy in Lyon.');
      expect(await types(log, 'c1')).toEqual(['added 2', 'added 2', 'replaced 1', 'replaced 1']);

      // A page reload: the chat starts from loadChat and goes on; only the new turn is written.
      const reloaded = client(sdk, 'c1', fetch, await sdk.validate(await store.loadChat('c1')));
      await reloaded.sendMessage({ text: 'Thanks!' });
      expect(await store.loadChat('c1')).toEqual(wire(reloaded.messages));
      expect(await types(log, 'c1')).toEqual(['added 2', 'added 2', 'replaced 1', 'replaced 1', 'added 2']);
    } finally {
      await h.dispose();
    }
  });
});
