import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, isAIMessage, isToolMessage } from '@langchain/core/messages';
import type { BaseMessage } from '@langchain/core/messages';
import { TurnlogChatMessageHistory } from '../src/adapters/langchain/index.js';
import { toStored } from '../src/adapters/langchain/stored-messages.js';
import { classifyMessage, orphanResults } from '../src/core/message-shapes.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { BACKENDS } from './support/harness.js';
import type { Harness } from './support/harness.js';

/**
 * turnlog's history rules (safe truncation, `setSummary … through`, the `maxMessages` cap) read a
 * message's shape (src/core/message-shapes.ts). Whether they understand LangChain's stored shape
 * (`{ type: 'ai', data: { tool_calls } }`, `{ type: 'tool', data: { tool_call_id } }`,
 * `{ type: 'human' }`): the first test probes the classifier, the others the cuts built on it.
 */
const call = (id: string): AIMessage => new AIMessage({ content: '', tool_calls: [{ id, name: 'weather', args: { city: id }, type: 'tool_call' }] });
const result = (id: string): ToolMessage => new ToolMessage({ content: `weather ${id}`, tool_call_id: id });
const [aiShape, toolShape, humanShape] = toStored([call('probe'), result('probe'), new HumanMessage('probe')]).map(classifyMessage);
const UNDERSTOOD = aiShape!.opens.includes('probe') && toolShape!.closes.includes('probe') && humanShape!.userTurn;

/** LangChain's own view of an orphan: a tool message whose call id no earlier AI message made. */
function langchainOrphans(messages: BaseMessage[]): string[] {
  const made = new Set<string>();
  const out: string[] = [];
  for (const m of messages) {
    if (isAIMessage(m)) for (const c of m.tool_calls ?? []) if (c.id !== undefined) made.add(c.id);
    if (isToolMessage(m) && !made.has(m.tool_call_id)) out.push(m.tool_call_id);
  }
  return out;
}

const texts = (messages: BaseMessage[]): string[] => messages.map((m) => `${m.getType()}:${typeof m.content === 'string' ? m.content : ''}`);

describe.each(BACKENDS)('LangChain histories and turnlog cuts (%s)', (_name, factory) => {
  let h: Harness;
  let log: SessionLog;
  let history: TurnlogChatMessageHistory;
  beforeEach(async () => {
    h = factory();
    log = await h.open();
    history = new TurnlogChatMessageHistory({ log, sessionId: 's' });
  });
  afterEach(() => h.dispose());

  /** Two turns, each with a call and its result; returns the version right after the second call. */
  async function twoToolTurns(): Promise<number> {
    await history.addMessages([new SystemMessage('sys'), new HumanMessage('q1'), call('c1'), result('c1'), new AIMessage('a1')]);
    await history.addMessages([new HumanMessage('q2'), call('c2')]);
    const mid = (await log.getSession('s'))!.version;
    await history.addMessages([result('c2'), new AIMessage('a2')]);
    return mid;
  }

  it('plain cuts and summaries at a turn boundary keep a readable LangChain history', async () => {
    await twoToolTurns();
    await log.setSummary('s', 'the user asked about the weather', { through: 1 });
    expect(texts(await history.getMessages())).toEqual(['human:q2', 'ai:', 'tool:weather c2', 'ai:a2']);
    await log.truncateHistory('s', 2);
    // A plain cut does exactly what it is told, as for every format: here it strands a tool message.
    expect(texts(await history.getMessages())).toEqual(['tool:weather c2', 'ai:a2']);
    expect(langchainOrphans(await history.getMessages())).toEqual(['c2']);
    expect(await log.getSummary('s')).toBe('the user asked about the weather');
    // The past is kept: the history as the model saw it at version 2.
    expect((await log.getHistory('s', { atVersion: 2 })).length).toBe(7);
  });

  describe('tool pairs stay together (the classifier reads LangChain messages)', () => {
    it('the classifier reads calls, results and user turns of LangChain messages', () => {
      expect(UNDERSTOOD).toBe(true);
    });
    it('truncateHistory(…, { safe: true }) moves back to the human message that opened the turn', async () => {
      await twoToolTurns();
      await log.truncateHistory('s', 2, { safe: true });
      const kept = await history.getMessages();
      expect(texts(kept)).toEqual(['human:q2', 'ai:', 'tool:weather c2', 'ai:a2']);
      expect(langchainOrphans(kept)).toEqual([]);
      expect(orphanResults(await log.getHistory('s'))).toEqual([]);
    });

    it('setSummary(…, { through }) read between a call and its result cuts before the turn', async () => {
      const mid = await twoToolTurns();
      await log.setSummary('s', 'summary', { through: mid });
      const kept = await history.getMessages();
      expect(texts(kept)[0]).toBe('human:q2');
      expect(langchainOrphans(kept)).toEqual([]);
    });

    it('orphanResults sees a LangChain tool message whose call was cut', async () => {
      await twoToolTurns();
      await log.truncateHistory('s', 2);
      expect(orphanResults(await log.getHistory('s'))).toEqual([0]);
    });

    it('the maxMessages cap never strands a tool message', async () => {
      await log.close();
      log = await h.open({ maxMessages: 4 });
      history = new TurnlogChatMessageHistory({ log, sessionId: 's' });
      await twoToolTurns();
      const kept = await history.getMessages();
      expect(kept.length).toBeLessThanOrEqual(4);
      expect(langchainOrphans(kept)).toEqual([]);
      expect(texts(kept)[0]).toBe('human:q2');
    });
  });
});
