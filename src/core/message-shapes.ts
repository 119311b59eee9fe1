/**
 * Message shapes: what the history rules need to know about a stored message, read from its shape
 * alone (no configuration, no per-store dialect). One store may hold several formats at once.
 *
 * Formats recognised (parallel calls in each):
 * - OpenAI Chat Completions: `{ role: 'assistant', tool_calls: [{ id }] }`, results `{ role: 'tool', tool_call_id }`.
 * - OpenAI Responses items and the Agents SDK's `AgentInputItem`: `{ type: 'message', role }` (or an
 *   easy input `{ role, content }`), calls `{ type: '…_call', callId | call_id }` (function, computer,
 *   shell, local shell, apply-patch, custom tool), results `{ type: '…_call_result' | '…_call_output',
 *   callId | call_id }`, and `{ type: 'reasoning' }`, which must stay with the item after it.
 *   Hosted calls (web search, file search, MCP, …) carry their result inline: they pair with nothing.
 * - Anthropic Messages: assistant content blocks `{ type: 'tool_use', id }`, results as user content
 *   blocks `{ type: 'tool_result', tool_use_id }`.
 * - Vercel AI SDK `ModelMessage`: assistant content parts `{ type: 'tool-call', toolCallId }`, results
 *   `{ role: 'tool', content: [{ type: 'tool-result', toolCallId }] }`; `UIMessage` (`{ id, role,
 *   parts }`): a `tool-*` or `dynamic-tool` part holds call and result together, so it pairs with nothing.
 * - pi-agent: assistant content blocks `{ type: 'toolCall', id }`, results `{ role: 'toolResult', toolCallId }`.
 *
 * Anything else is opaque data: it neither opens nor closes a call and starts no turn.
 */

export interface MessageShape {
  /** A user message that carries no tool result: the start of a turn, where a safe cut may land. */
  userTurn: boolean;
  /** Tool-call ids this message opens (calls whose results come in later messages). */
  opens: string[];
  /**
   * Tool-call ids this message answers. A result whose id cannot be read (`{ role: 'tool' }`
   * without `tool_call_id`) is listed as `''`: it answers no call, so it is always an orphan.
   */
  closes: string[];
  /** Must stay with the next message (a Responses reasoning item and the call it precedes). */
  glued: boolean;
}

const NONE: MessageShape = Object.freeze({ userTurn: false, opens: [], closes: [], glued: false }) as MessageShape;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const idOr = (v: unknown): string => str(v) ?? '';

/** Responses item types that end in these are results of a `…_call` item with the same call id. */
const RESULT_SUFFIXES = ['_call_output', '_call_result'] as const;

/** What the history rules need to know about `message`. Never throws; pure. */
export function classifyMessage(message: unknown): MessageShape {
  if (!isObj(message)) return NONE;
  const type = str(message['type']);
  const role = str(message['role']);
  if (type !== undefined && type !== 'message' && role === undefined) return responsesItem(message, type);
  const opens: string[] = [];
  const closes: string[] = [];
  // Chat Completions
  const calls = message['tool_calls'];
  if (role === 'assistant' && Array.isArray(calls)) for (const c of calls) if (isObj(c) && typeof c['id'] === 'string') opens.push(c['id']);
  // Content blocks: Anthropic, AI SDK ModelMessage, pi-agent calls
  const content = message['content'];
  if (Array.isArray(content)) {
    for (const b of content) {
      if (!isObj(b)) continue;
      const t = b['type'];
      if (role === 'assistant' && (t === 'tool_use' || t === 'toolCall') && typeof b['id'] === 'string') opens.push(b['id']);
      else if (role === 'assistant' && t === 'tool-call' && typeof b['toolCallId'] === 'string') opens.push(b['toolCallId']);
      else if (t === 'tool_result') closes.push(idOr(b['tool_use_id']));
      else if (t === 'tool-result') closes.push(idOr(b['toolCallId']));
    }
  }
  // A Chat result names its call in `tool_call_id`, a pi-agent one in `toolCallId`; a `tool` message
  // with neither (nor AI SDK result parts) is a result that answers nothing.
  if (role === 'tool' && typeof message['tool_call_id'] === 'string') closes.push(message['tool_call_id']);
  else if (role === 'tool' && closes.length === 0) closes.push('');
  if (role === 'toolResult') closes.push(idOr(message['toolCallId']));
  // UIMessage parts (tool-* / dynamic-tool) hold call and result together: nothing to pair.
  const userTurn = role === 'user' && closes.length === 0;
  if (!userTurn && opens.length === 0 && closes.length === 0) return NONE;
  return { userTurn, opens, closes, glued: false };
}

function responsesItem(item: Obj, type: string): MessageShape {
  if (type === 'reasoning') return { userTurn: false, opens: [], closes: [], glued: true };
  const id = str(item['callId']) ?? str(item['call_id']);
  if (id === undefined) return NONE; // hosted calls, or a result that names no call: opaque
  if (RESULT_SUFFIXES.some((s) => type.endsWith(s))) return { userTurn: false, opens: [], closes: [id], glued: false };
  if (type.endsWith('_call')) return { userTurn: false, opens: [id], closes: [], glued: false };
  return NONE;
}

/**
 * Results that answer no call made earlier in `messages` (what a model API rejects with HTTP 400),
 * as their positions in the list. A call answered inside its own message (Anthropic server tools,
 * AI SDK provider-executed tools) counts as made before its result.
 */
export function orphanResults(messages: readonly unknown[]): number[] {
  const open = new Set<string>();
  const out: number[] = [];
  messages.forEach((m, i) => {
    const s = classifyMessage(m);
    for (const id of s.opens) open.add(id);
    if (s.closes.some((id) => !open.has(id))) out.push(i);
  });
  return out;
}

/** A position → shape lookup that classifies each message once (cuts may look at one several times). */
export function shapesAt(messageAt: (pos: number) => unknown): (pos: number) => MessageShape {
  const seen = new Map<number, MessageShape>();
  return (pos) => {
    let s = seen.get(pos);
    if (s === undefined) seen.set(pos, (s = classifyMessage(messageAt(pos))));
    return s;
  };
}
