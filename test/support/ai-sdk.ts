import * as v6 from 'ai';
import { MockLanguageModelV3, simulateReadableStream as stream6 } from 'ai/test';
import * as v5 from 'ai-v5';
import { MockLanguageModelV2, simulateReadableStream as stream5 } from 'ai-v5/test';
import { z } from 'zod';
import type { ChatStore, UIMessageLike } from '../../src/adapters/ai-sdk/index.js';

/**
 * The AI SDK's own loop, offline, for one major: the mock language model of `ai/test` plays a
 * script of model turns, and `exchange` is the docs' route handler (streamText →
 * toUIMessageStreamResponse({ originalMessages, onFinish }) → saveChat).
 */

/** One model call: answer with text, or call the weather tool. */
export type Turn = { text: string } | { call: { id: string; city: string } } | { ask: { id: string } };

export interface Sdk {
  name: string;
  /** The major's module, for its client (AbstractChat, DefaultChatTransport). */
  ai: Any;
  /** `weather` (run on the server) and `askLocation` (no execute: the client answers it). */
  tools: Record<string, unknown>;
  validate(messages: unknown): Promise<UIMessageLike[]>;
  /** A model that plays `turns` in order, one per call, recording the prompts it received. */
  model(turns: Turn[]): { model: unknown; prompts: unknown[][] };
  /** `ids: false` leaves out generateMessageId (the SDK then gives the response message no id); the save's outcome is `saved`. */
  exchange(args: { store: ChatStore; chatId: string; messages: UIMessageLike[]; turns: Turn[]; ids?: boolean }): Promise<{ messages: UIMessageLike[]; prompts: unknown[][]; saved: Promise<void> }>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the two majors' types differ; each is driven through the same calls.
export type Any = any;

function chunksOf(turn: Turn, major: 5 | 6): unknown[] {
  const reason = 'text' in turn ? 'stop' : 'tool-calls';
  const finish =
    major === 6
      ? { type: 'finish', finishReason: { unified: reason, raw: reason }, usage: { inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 2, text: 2, reasoning: undefined } } }
      : { type: 'finish', finishReason: reason, usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } };
  const body =
    'call' in turn
      ? [{ type: 'tool-call', toolCallId: turn.call.id, toolName: 'weather', input: JSON.stringify({ city: turn.call.city }) }]
      : 'ask' in turn
        ? [{ type: 'tool-call', toolCallId: turn.ask.id, toolName: 'askLocation', input: '{}' }]
        : [{ type: 'text-start', id: 't' }, { type: 'text-delta', id: 't', delta: turn.text }, { type: 'text-end', id: 't' }];
  return [{ type: 'stream-start', warnings: [] }, ...body, finish];
}

function makeSdk(name: string, major: 5 | 6, ai: Any, Mock: Any, simulate: Any): Sdk {
  const tools = {
    weather: ai.tool({
      description: 'The weather in a city',
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }: { city: string }) => ({ city, sky: 'sunny', celsius: 21 }),
    }),
    askLocation: ai.tool({ description: "The user's location, asked in the browser", inputSchema: z.object({}) }),
  };
  let ids = 0;
  const model = (turns: Turn[]) => {
    const queue = [...turns];
    const prompts: unknown[][] = [];
    const m = new Mock({
      doStream: async (options: { prompt: unknown[] }) => {
        prompts.push(options.prompt);
        const turn = queue.shift();
        if (turn === undefined) throw new Error('the script has no more model turns');
        return { stream: simulate({ chunks: chunksOf(turn, major), initialDelayInMs: null, chunkDelayInMs: null }) };
      },
    });
    return { model: m, prompts };
  };
  return {
    name,
    ai,
    tools,
    validate: (messages) => ai.validateUIMessages({ messages, tools }),
    model,
    async exchange({ store, chatId, messages, turns, ids: withIds = true }) {
      const { model: m, prompts } = model(turns);
      const result = ai.streamText({ model: m, messages: await ai.convertToModelMessages(messages, { tools }), tools, stopWhen: ai.stepCountIs(5) });
      let saved: Promise<void> | undefined;
      let finished: UIMessageLike[] | undefined;
      const response: Response = result.toUIMessageStreamResponse({
        originalMessages: messages,
        ...(withIds ? { generateMessageId: () => `${name}-a${++ids}` } : {}),
        onFinish: ({ messages: all }: { messages: UIMessageLike[] }) => {
          finished = all;
          saved = store.saveChat({ chatId, messages: all });
          // The docs' handler does not wait for the save; the test does, below.
          saved.catch(() => undefined);
        },
      });
      await response.text(); // the client reading the stream to its end
      if (finished === undefined || saved === undefined) throw new Error('onFinish was not called');
      if (withIds) await saved;
      return { messages: finished, prompts, saved };
    },
  };
}

export const SDKS: Sdk[] = [makeSdk('ai6', 6, v6, MockLanguageModelV3, stream6), makeSdk('ai5', 5, v5, MockLanguageModelV2, stream5)];

let userIds = 0;
export function userMessage(text: string, id = `u${++userIds}`): UIMessageLike {
  return { id, role: 'user', parts: [{ type: 'text', text }] };
}
