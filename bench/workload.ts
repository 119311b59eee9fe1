import type { Message } from '../src/types.js';

/**
 * Realistic agent traffic: turns of user → assistant with a tool call → tool result → assistant
 * reply, contents about 400 bytes, so a quarter of the messages carry tool calls and a quarter
 * are tool results (the pairing that a wrong truncation breaks).
 */
const FILLER =
  'The deployment log shows the worker restarted twice after the config reload; the second ' +
  'restart came from the health check timing out while the cache warmed. Next step: raise the ' +
  'timeout, re-run the migration on the staging replica, and compare the p99 latency with the ' +
  'previous release before promoting. Notes: region eu-west, build 4812, owner on-call. ';

function text(tag: string): string {
  return `${tag} ${FILLER}`.slice(0, 400);
}

/** The i-th message of a conversation (i from 0); its tag `${prefix}m${i}` makes it findable. */
export function message(i: number, prefix = ''): Message {
  const tag = `${prefix}m${i}`;
  switch (i % 4) {
    case 0:
      return { role: 'user', content: text(tag) };
    case 1:
      return {
        role: 'assistant',
        content: text(tag),
        tool_calls: [{ id: `call_${tag}`, type: 'function', function: { name: 'run_shell', arguments: '{"cmd":"kubectl logs deploy/worker --tail=200"}' } }],
      };
    case 2:
      return { role: 'tool', tool_call_id: `call_${prefix}m${i - 1}`, content: text(tag) };
    default:
      return { role: 'assistant', content: text(tag) };
  }
}

/**
 * The message formats of the summariser scenario: the same turns (user, tool call, tool result,
 * reply) as OpenAI Chat Completions, OpenAI Responses items (Agents SDK `AgentInputItem`, with a
 * reasoning item before each call: five items a turn), Anthropic Messages and AI SDK ModelMessage.
 */
export const FORMATS = ['chat', 'responses', 'anthropic', 'ai-sdk'] as const;
export type Format = (typeof FORMATS)[number];

/** Messages per turn in each format. */
export const TURN_LENGTH: Record<Format, number> = { chat: 4, responses: 5, anthropic: 4, 'ai-sdk': 4 };

const ARGS = { cmd: 'kubectl logs deploy/worker --tail=200' };

/** The i-th message of a conversation in `format`; its text starts with the tag `m${i}`. */
export function formatMessage(format: Format, i: number): Message {
  if (format === 'chat') return message(i);
  const tag = `m${i}`;
  const turn = Math.floor(i / TURN_LENGTH[format]) * TURN_LENGTH[format];
  const call = `call_m${turn + 1}`;
  switch (format) {
    case 'responses':
      switch (i % 5) {
        case 0:
          return { type: 'message', role: 'user', content: [{ type: 'input_text', text: text(tag) }] };
        case 1:
          return { type: 'reasoning', id: `rs_${tag}`, content: [{ type: 'input_text', text: text(tag) }] };
        case 2:
          return { type: 'function_call', callId: call, name: 'run_shell', arguments: JSON.stringify({ ...ARGS, note: text(tag) }), status: 'completed' };
        case 3:
          return { type: 'function_call_result', callId: call, name: 'run_shell', status: 'completed', output: { type: 'text', text: text(tag) } };
        default:
          return { type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: text(tag) }] };
      }
    case 'anthropic':
      switch (i % 4) {
        case 0:
          return { role: 'user', content: text(tag) };
        case 1:
          return { role: 'assistant', content: [{ type: 'text', text: text(tag) }, { type: 'tool_use', id: call, name: 'run_shell', input: ARGS }] };
        case 2:
          return { role: 'user', content: [{ type: 'tool_result', tool_use_id: call, content: text(tag) }] };
        default:
          return { role: 'assistant', content: [{ type: 'text', text: text(tag) }] };
      }
    case 'ai-sdk':
      switch (i % 4) {
        case 0:
          return { role: 'user', content: [{ type: 'text', text: text(tag) }] };
        case 1:
          return { role: 'assistant', content: [{ type: 'text', text: text(tag) }, { type: 'tool-call', toolCallId: call, toolName: 'run_shell', input: ARGS }] };
        case 2:
          return { role: 'tool', content: [{ type: 'tool-result', toolCallId: call, toolName: 'run_shell', output: { type: 'text', value: text(tag) } }] };
        default:
          return { role: 'assistant', content: [{ type: 'text', text: text(tag) }] };
      }
  }
}

/** The tag of a message made by `message` or `formatMessage` (without prefix), wherever its text sits. */
export function tagOf(m: Message): string | undefined {
  return /"(m\d+) /.exec(JSON.stringify(m))?.[1]; // also inside a JSON string (arguments): \"m5 …
}

/** `count` messages of one conversation starting at `from`. */
export function conversation(count: number, from = 0, prefix = ''): Message[] {
  return Array.from({ length: count }, (_, j) => message(from + j, prefix));
}

/** An openclaw-like SessionEntry (routing, model and token fields): ~400 bytes of JSON. */
export function sessionEntry(i: number): Record<string, unknown> {
  return {
    sessionId: `0b7c${String(i).padStart(8, '0')}-5d1e-4a8b-9f0e-3c2d1a0b9e8f`,
    updatedAt: 1_760_000_000_000 + i,
    channel: 'telegram',
    lastChannel: 'telegram',
    lastTo: `telegram:${100000000 + i}`,
    lastAccountId: 'default',
    chatType: 'direct',
    displayName: `user ${i}`,
    model: 'claude-sonnet-4-5',
    modelProvider: 'anthropic',
    inputTokens: 18_000 + (i % 1000),
    outputTokens: 900 + (i % 100),
    totalTokens: 18_900 + (i % 1100),
    contextTokens: 200_000,
    thinkingLevel: 'low',
    sessionFile: `/home/agent/.openclaw/agents/main/sessions/${i}.jsonl`,
  };
}
