import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AIMessage, AIMessageChunk, ChatMessage, HumanMessage, RemoveMessage, SystemMessage, ToolMessage, mapChatMessagesToStoredMessages } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';
import { ChatPromptTemplate, MessagesPlaceholder } from '@langchain/core/prompts';
import { RunnableWithMessageHistory } from '@langchain/core/runnables';
import { openMemorySessionLog } from '../src/open.js';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { FakeListChatModel, FakeStreamingChatModel } from '@langchain/core/utils/testing';
import { TurnlogChatMessageHistory } from '../src/adapters/langchain/index.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { BACKENDS } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { expectCode } from './support/messages.js';

/** What LangChain keeps of a message: class (`type`) and every field (`data`). */
const dicts = (messages: BaseMessage[]): unknown[] => JSON.parse(JSON.stringify(mapChatMessagesToStoredMessages(messages)));

/** Every kind of message a LangChain history holds, with the fields a round trip must keep. */
function allKinds(): BaseMessage[] {
  return [
    new SystemMessage({ content: 'You are terse.', id: 'sys-1' }),
    new HumanMessage({ content: [{ type: 'text', text: 'Weather in Oslo and Rome?' }], id: 'h-1', name: 'ana' }),
    new AIMessage({
      content: '',
      id: 'ai-1',
      tool_calls: [
        { id: 'call_1', name: 'weather', args: { city: 'Oslo' }, type: 'tool_call' },
        { id: 'call_2', name: 'weather', args: { city: 'Rome' }, type: 'tool_call' },
      ],
      invalid_tool_calls: [{ id: 'call_3', name: 'weather', args: '{"city":', error: 'bad JSON', type: 'invalid_tool_call' }],
      additional_kwargs: { refusal: null },
      response_metadata: { model_name: 'fake', finish_reason: 'tool_calls' },
      usage_metadata: { input_tokens: 12, output_tokens: 7, total_tokens: 19 },
    }),
    new ToolMessage({ content: 'sunny', tool_call_id: 'call_1', name: 'weather', status: 'success', artifact: { celsius: 21 } }),
    new ToolMessage({ content: [{ type: 'text', text: 'no data' }], tool_call_id: 'call_2', status: 'error' }),
    new AIMessage('Oslo is sunny; Rome has no data.'),
    new ChatMessage({ content: 'a note', role: 'critic' }),
  ];
}

describe.each(BACKENDS)('TurnlogChatMessageHistory (%s)', (_name, factory) => {
  let h: Harness;
  let log: SessionLog;
  beforeEach(async () => {
    h = factory();
    log = await h.open();
  });
  afterEach(() => h.dispose());

  it('round-trips human, AI (tool calls, invalid tool calls, usage), tool, system and generic messages', async () => {
    const history = new TurnlogChatMessageHistory({ log, sessionId: 'chat-1' });
    const sent = allKinds();
    await history.addMessages(sent);
    const got = await history.getMessages();
    expect(got.map((m) => m.constructor.name)).toEqual(['SystemMessage', 'HumanMessage', 'AIMessage', 'ToolMessage', 'ToolMessage', 'AIMessage', 'ChatMessage']);
    expect(dicts(got)).toEqual(dicts(sent));
    const ai = got[2] as AIMessage;
    expect(ai.tool_calls?.map((c) => [c.id, c.args])).toEqual([['call_1', { city: 'Oslo' }], ['call_2', { city: 'Rome' }]]);
    expect(ai.usage_metadata?.total_tokens).toBe(19);
    const result = got[3] as ToolMessage;
    expect([result.tool_call_id, result.status, result.artifact]).toEqual(['call_1', 'success', { celsius: 21 }]);
    // Stored as LangChain's own StoredMessage, one event for the whole list.
    expect((await log.getHistory('chat-1'))[2]).toMatchObject({ type: 'ai', data: { tool_calls: [{ id: 'call_1' }, { id: 'call_2' }] } });
    expect((await log.getSession('chat-1'))?.version).toBe(1);
  });

  it('addMessage and the convenience methods append one event each; messages come back as new objects', async () => {
    const history = new TurnlogChatMessageHistory({ log, sessionId: 'chat-2' });
    const human = new HumanMessage('hi');
    await history.addMessage(human);
    await history.addAIMessage('hello');
    await history.addUserMessage('bye');
    await history.addMessages([]); // nothing to record
    expect((await log.getSession('chat-2'))?.version).toBe(3);
    const got = await history.getMessages();
    expect(got.map((m) => [m.getType(), m.content])).toEqual([['human', 'hi'], ['ai', 'hello'], ['human', 'bye']]);
    got[0]!.content = 'changed';
    human.content = 'changed too';
    expect((await history.getMessages())[0]!.content).toBe('hi');
  });

  it('addMessages with an eventId: a retried turn writes nothing, the same id for other messages is CONFLICT', async () => {
    const history = new TurnlogChatMessageHistory({ log, sessionId: 'retry' });
    const turn = [new HumanMessage('q'), new AIMessage('a')];
    await history.addMessages(turn, { eventId: 'turn-1' });
    await history.addMessages(turn, { eventId: 'turn-1' });
    expect((await history.getMessages()).map((m) => m.content)).toEqual(['q', 'a']);
    await expectCode(() => history.addMessages([new HumanMessage('other')], { eventId: 'turn-1' }), 'CONFLICT');
    await expectCode(() => history.addMessages([new HumanMessage('late')], { expectedVersion: 0 }), 'CONFLICT');
    expect((await log.getSession('retry'))?.version).toBe(1);
  });

  it('clear() empties the history in one event; earlier versions stay readable', async () => {
    const history = new TurnlogChatMessageHistory({ log, sessionId: 'chat-3' });
    const other = new TurnlogChatMessageHistory({ log, sessionId: 'chat-4' });
    await history.addMessages([new HumanMessage('a'), new AIMessage('b')]);
    await other.addMessage(new HumanMessage('kept'));
    await history.clear();
    expect(await history.getMessages()).toEqual([]);
    expect((await other.getMessages()).map((m) => m.content)).toEqual(['kept']);
    expect((await log.getHistory('chat-3', { atVersion: 1 })).length).toBe(2);
    await history.addMessage(new HumanMessage('again'));
    expect((await history.getMessages()).map((m) => m.content)).toEqual(['again']);
    // Clearing a session that does not exist creates nothing.
    await new TurnlogChatMessageHistory({ log, sessionId: 'never' }).clear();
    expect(await log.getSession('never')).toBeUndefined();
  });

  it('rejects what JSON cannot hold, writing nothing; checks its arguments', async () => {
    const history = new TurnlogChatMessageHistory({ log, sessionId: 'chat-5' });
    const bad = new ToolMessage({ content: 'x', tool_call_id: 'c', artifact: { big: 1n } });
    await expectCode(() => history.addMessages([new HumanMessage('ok'), bad]), 'INVALID_ARGUMENT');
    expect(await log.getSession('chat-5')).toBeUndefined();
    expect(() => new TurnlogChatMessageHistory({ log, sessionId: '' })).toThrow(/sessionId/);
    expect(() => new TurnlogChatMessageHistory({ log: {} as SessionLog, sessionId: 's' })).toThrow(/log/);
  });

  it('reads a session written in the Chat Completions format (moved in with the turnlog API)', async () => {
    await log.addMessages('moved', [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'call_9', content: 'sunny' },
      { role: 'assistant', content: 'Sunny.' },
    ]);
    const got = await new TurnlogChatMessageHistory({ log, sessionId: 'moved' }).getMessages();
    expect(got.map((m) => m.getType())).toEqual(['system', 'human', 'ai', 'tool', 'ai']);
    expect((got[2] as AIMessage).tool_calls?.[0]).toMatchObject({ id: 'call_9', name: 'weather', args: { city: 'Oslo' } });
    expect((got[3] as ToolMessage).tool_call_id).toBe('call_9');
    await log.addMessage('odd', 'user', 'x');
    await log.addFullMessage('odd', { type: 'not-a-message', data: {} });
    await expectCode(() => new TurnlogChatMessageHistory({ log, sessionId: 'odd' }).getMessages(), 'INVALID_ARGUMENT');
  });

  it('RunnableWithMessageHistory over a prompt | FakeListChatModel chain: the model sees the whole history, also after reopening the store', async () => {
    const seen: string[][] = [];
    const model = new FakeListChatModel({ responses: ['Hello Ana.', 'Your name is Ana.', 'Still Ana.'] });
    const recorder = { handleChatModelStart: (_llm: unknown, messages: BaseMessage[][]) => void seen.push(messages[0]!.map((m) => `${m.getType()}:${String(m.content)}`)) };
    const prompt = ChatPromptTemplate.fromMessages([['system', 'You are a helpful assistant.'], new MessagesPlaceholder('history'), ['human', '{input}']]);
    const chainWith = (l: SessionLog) =>
      new RunnableWithMessageHistory({
        runnable: prompt.pipe(model),
        getMessageHistory: (sessionId: string) => new TurnlogChatMessageHistory({ log: l, sessionId }),
        inputMessagesKey: 'input',
        historyMessagesKey: 'history',
      });
    const config = { configurable: { sessionId: 'user-7' }, callbacks: [recorder] };
    expect((await chainWith(log).invoke({ input: 'I am Ana.' }, config)).content).toBe('Hello Ana.');
    expect((await chainWith(log).invoke({ input: 'Who am I?' }, config)).content).toBe('Your name is Ana.');
    // Each turn is one event holding the input and the answer.
    expect((await log.getSession('user-7'))?.version).toBe(2);
    await log.close();
    log = await h.open();
    expect((await chainWith(log).invoke({ input: 'And now?' }, config)).content).toBe('Still Ana.');
    expect(seen[2]).toEqual([
      'system:You are a helpful assistant.',
      'human:I am Ana.',
      'ai:Hello Ana.',
      'human:Who am I?',
      'ai:Your name is Ana.',
      'human:And now?',
    ]);
    // What the model saw at turn 2 is the history at version 1.
    const atTurn2 = await log.getHistory('user-7', { atVersion: 1 });
    expect(atTurn2.map((m) => (m as { type: string }).type)).toEqual(['human', 'ai']);
  });

  it('a tool-calling loop with LangChain tools: calls, ids and results survive a reopen and reach the model', async () => {
    const weather = tool(async ({ city }: { city: string }) => (city === 'Oslo' ? 'sunny' : 'rain'), {
      name: 'weather',
      description: 'Weather in a city',
      schema: z.object({ city: z.string() }),
    });
    const calls = [
      { id: 'call_a', name: 'weather', args: { city: 'Oslo' }, type: 'tool_call' as const },
      { id: 'call_b', name: 'weather', args: { city: 'Rome' }, type: 'tool_call' as const },
    ];
    const caller = new FakeStreamingChatModel({ sleep: 0, chunks: [new AIMessageChunk({ content: '', tool_calls: calls })] }).bindTools([weather]);
    const seen: BaseMessage[][] = [];
    const answerer = new FakeListChatModel({ responses: ['Oslo sunny, Rome rain.'] });
    const recorder = { handleChatModelStart: (_llm: unknown, messages: BaseMessage[][]) => void seen.push(messages[0]!) };

    const history = new TurnlogChatMessageHistory({ log, sessionId: 'agent' });
    await history.addMessages([new SystemMessage('Use tools.'), new HumanMessage('Weather in Oslo and Rome?')]);
    const request = await caller.invoke(await history.getMessages());
    expect(request.tool_calls?.map((c) => c.id)).toEqual(['call_a', 'call_b']);
    const results = await Promise.all(request.tool_calls!.map((c) => weather.invoke(c)));
    await history.addMessages([request, ...results]);

    log = await reopen(h, log);
    const again = new TurnlogChatMessageHistory({ log, sessionId: 'agent' });
    const answer = await answerer.invoke(await again.getMessages(), { callbacks: [recorder] });
    await again.addMessage(answer);
    const sent = seen[0]!;
    expect(sent.map((m) => m.getType())).toEqual(['system', 'human', 'ai', 'tool', 'tool']);
    expect((sent[2] as AIMessage).tool_calls?.map((c) => [c.id, c.args])).toEqual([['call_a', { city: 'Oslo' }], ['call_b', { city: 'Rome' }]]);
    expect(sent.slice(3).map((m) => [(m as ToolMessage).tool_call_id, m.content])).toEqual([['call_a', 'sunny'], ['call_b', 'rain']]);
    expect((await again.getMessages()).at(-1)?.content).toBe('Oslo sunny, Rome rain.');
    expect((await log.getSession('agent'))?.version).toBe(3);
  });
});

async function reopen(h: Harness, log: SessionLog): Promise<SessionLog> {
  await log.close();
  return h.open();
}

describe('what LangChain would store but not read back is refused before writing', () => {
  it('a RemoveMessage, and bytes in content or an artifact, are INVALID_ARGUMENT and write nothing', async () => {
    const log = openMemorySessionLog();
    const history = new TurnlogChatMessageHistory({ log, sessionId: 's' });
    const bad = [
      new RemoveMessage({ id: 'x' }),
      new HumanMessage({ content: [{ type: 'image', source_type: 'base64', mime_type: 'image/png', data: new Uint8Array([1, 2]) } as never] }),
      new ToolMessage({ content: 'ok', tool_call_id: 'c1', artifact: Buffer.from('bytes') }),
    ];
    for (const m of bad) {
      const error = await history.addMessage(m).then(() => undefined, (e: unknown) => e);
      expect((error as { code?: string }).code).toBe('INVALID_ARGUMENT');
    }
    expect(await log.getSession('s')).toBeUndefined();
    await log.close();
  });
});
