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
