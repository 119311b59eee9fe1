/**
 * Message shapes: what the history rules need to know about a stored message, read from its shape
 * alone (no configuration, no per-store dialect). One store may hold several formats at once.
 *
 * Formats recognised (parallel calls in each):
 * - OpenAI Chat Completions: `{ role: 'assistant', tool_calls: [{ id }] }`, results `{ role: 'tool', tool_call_id }`.
 *   Ollama's `{ role: 'tool', tool_name }` (no id) answers the calls of the message before it: it
 *   `follows` that message, and a cut never lands on it.
 * - OpenAI Responses items and the Agents SDK's `AgentInputItem`: `{ type: 'message', role }` (or an
 *   easy input `{ role, content }`), calls `{ type: '…_call', callId | call_id }` (function, computer,
 *   shell, local shell, apply-patch, custom tool), results `{ type: '…_call_result' | '…_call_output',
 *   callId | call_id }` (`local_shell_call_output` names the call in `id`), `mcp_approval_request`
 *   (`id`) answered by `mcp_approval_response` (`approval_request_id`), `tool_search_call` run by
 *   the client and its `tool_search_output`, `program` and `program_output` (by call id), and `{ type: 'reasoning' }`,
 *   which must stay with the item after it. Hosted calls (web search, file search, code interpreter,
 *   image generation, MCP calls, …) carry their result inline: they pair with nothing.
 * - Anthropic Messages: assistant content blocks `{ type: 'tool_use', id }`, results as user content
 *   blocks `{ type: 'tool_result', tool_use_id }`.
 * - Vercel AI SDK `ModelMessage`: assistant content parts `{ type: 'tool-call', toolCallId }`, results
 *   `{ role: 'tool', content: [{ type: 'tool-result', toolCallId }] }`; approvals: assistant parts
 *   `{ type: 'tool-approval-request', approvalId }` answered by tool parts `{ type:
 *   'tool-approval-response', approvalId }`. `UIMessage` (`{ id, role, parts }`): a `tool-*` or
 *   `dynamic-tool` part holds call and result together, so it pairs with nothing.
 * - pi-agent: assistant content blocks `{ type: 'toolCall', id }`, results `{ role: 'toolResult', toolCallId }`.
 * - Amazon Bedrock Converse: assistant blocks `{ toolUse: { toolUseId } }`, user blocks `{ toolResult: { toolUseId } }`.
 * - Google Gemini: `{ role: 'model', parts: [{ functionCall: { id? } }] }`, `{ role: 'user', parts:
 *   [{ functionResponse: { id? } }] }`; without `id` (pairing by name and order) the response
 *   `follows` the message before it.
 *
 * Anything else is opaque data: it neither opens nor closes a call and starts no turn.
 */

export interface MessageShape {
  /** A user message that carries no tool result: the start of a turn, where a safe cut may land. */
  readonly userTurn: boolean;
  /** Tool-call (or approval-request) ids this message opens: answered by later messages. */
  readonly opens: readonly string[];
  /** Tool-call (or approval-request) ids this message answers. */
  readonly closes: readonly string[];
  /** Must stay with the next message (a Responses reasoning item and the call it precedes). */
  readonly glued: boolean;
  /**
   * Must stay with the message before it: a tool result that names no call (Ollama's
   * `{ role: 'tool', tool_name }`, a Gemini `functionResponse` without `id`). It answers the calls
   * of the message before it, so no cut lands on it and it is orphaned only when nothing precedes it.
   */
  readonly follows: boolean;
  /**
   * Makes calls that name no id (Ollama `tool_calls` without `id`, Gemini `functionCall` without
   * `id`): answered by the `follows` results after it, so it waits while only those follow it.
   */
  readonly unnamedCalls: boolean;
}

/** Shapes are deeply frozen: one caller cannot change what another (or the rules) reads. */
function shapeOf(userTurn: boolean, opens: string[], closes: string[], glued = false, follows = false, unnamedCalls = false): MessageShape {
  return Object.freeze({ userTurn, opens: Object.freeze(opens), closes: Object.freeze(closes), glued, follows, unnamedCalls });
}

const NONE = shapeOf(false, [], []);
const REASONING = shapeOf(false, [], [], true);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Responses item types that end in these are results of a `…_call` item with the same call id. */
const RESULT_SUFFIXES = ['_call_output', '_call_result'] as const;
/** Results named otherwise: of `tool_search_call` (run by the client) and of `program`. */
const OTHER_RESULTS: readonly string[] = ['tool_search_output', 'program_output'];

const serverExecuted = (item: Obj): boolean => item['execution'] === 'server' || (isObj(item['providerData']) && item['providerData']['execution'] === 'server');

/** What the history rules need to know about `message`. Never throws; pure; the result is frozen. */
export function classifyMessage(message: unknown): MessageShape {
  if (!isObj(message)) return NONE;
  const type = str(message['type']);
  const role = str(message['role']);
  if (type !== undefined && role === undefined && LANGCHAIN_TYPES.has(type) && isObj(message['data'])) return classifyMessage(langchainView(type, message['data']));
  if (type !== undefined && type !== 'message' && role === undefined) return responsesItem(message, type);
  const opens: string[] = [];
  const closes: string[] = [];
  let unnamed = false; // a result block that names no call
  let unnamedCalls = false; // a call block that names no id
  const assistant = role === 'assistant' || role === 'model';
  // Chat Completions (an Ollama call without `id`: its results follow it)
  const calls = message['tool_calls'];
  if (role === 'assistant' && Array.isArray(calls)) for (const c of calls) if (isObj(c)) unnamedCalls = !pushId(opens, c['id']) || unnamedCalls;
  // Content blocks: Anthropic, AI SDK ModelMessage, pi-agent calls, Bedrock Converse; Gemini parts
  for (const list of [message['content'], message['parts']]) {
    if (!Array.isArray(list)) continue;
    for (const b of list) {
      if (!isObj(b)) continue;
      const t = b['type'];
      if (assistant && (t === 'tool_use' || t === 'toolCall')) pushId(opens, b['id']);
      else if (assistant && t === 'tool-call') pushId(opens, b['toolCallId']);
      else if (assistant && t === 'tool-approval-request') pushId(opens, b['approvalId']);
      else if (t === 'tool_result') unnamed = !pushId(closes, b['tool_use_id']) || unnamed;
      else if (t === 'tool-result') unnamed = !pushId(closes, b['toolCallId']) || unnamed;
      else if (t === 'tool-approval-response') unnamed = !pushId(closes, b['approvalId']) || unnamed;
      else if (t === undefined && isObj(b['toolUse']) && assistant) pushId(opens, b['toolUse']['toolUseId']);
      else if (t === undefined && isObj(b['toolResult'])) unnamed = !pushId(closes, b['toolResult']['toolUseId']) || unnamed;
      else if (t === undefined && isObj(b['functionCall']) && assistant) unnamedCalls = !pushId(opens, b['functionCall']['id']) || unnamedCalls;
      else if (t === undefined && isObj(b['functionResponse'])) unnamed = !pushId(closes, b['functionResponse']['id']) || unnamed;
    }
  }
  // A Chat result names its call in `tool_call_id`, a pi-agent one in `toolCallId`. A `tool`
  // message with neither (nor result parts) answers the calls of the message before it.
  if (role === 'tool' && typeof message['tool_call_id'] === 'string') closes.push(message['tool_call_id']);
  else if (role === 'tool' && closes.length === 0) unnamed = true;
  if (role === 'toolResult') unnamed = !pushId(closes, message['toolCallId']) || unnamed;
  // UIMessage parts (tool-* / dynamic-tool) hold call and result together: nothing to pair.
  const follows = unnamed && closes.length === 0;
  const userTurn = role === 'user' && closes.length === 0 && !unnamed;
  if (!userTurn && !follows && !unnamedCalls && opens.length === 0 && closes.length === 0) return NONE;
  return shapeOf(userTurn, opens, closes, false, follows, unnamedCalls);
}

/** LangChain `StoredMessage` types (`BaseMessage.toDict()`) and the Chat role each reads as (`generic`: its `data.role`). */
const LANGCHAIN_TYPES: ReadonlyMap<string, string | undefined> = new Map([['human', 'user'], ['ai', 'assistant'], ['tool', 'tool'], ['system', 'system'], ['developer', 'developer'], ['function', 'function'], ['generic', undefined]]);

/**
 * A LangChain stored message `{ type, data }` as the Chat-shaped message the rules already read:
 * `data.tool_calls` (`[{ id, name, args, type: 'tool_call' }]`) are the calls, `data.tool_call_id`
 * names the call a tool message answers, and content blocks (Anthropic `tool_use` / `tool_result`
 * kept in `data.content`) are read as usual.
 */
function langchainView(type: string, data: Obj): Obj {
  const role = LANGCHAIN_TYPES.get(type) ?? str(data['role']) ?? 'generic';
  const view: Obj = { role, content: data['content'] };
  if (Array.isArray(data['tool_calls'])) view['tool_calls'] = data['tool_calls'];
  if (typeof data['tool_call_id'] === 'string') view['tool_call_id'] = data['tool_call_id'];
  return view;
}

/** Adds `id` when it is a string; false when it is not (a block that names nothing). */
function pushId(to: string[], id: unknown): boolean {
  if (typeof id !== 'string') return false;
  to.push(id);
  return true;
}

function responsesItem(item: Obj, type: string): MessageShape {
  if (type === 'reasoning') return REASONING;
  // An MCP approval request (`id`) and its response (`approval_request_id`) are a pair too.
  if (type === 'mcp_approval_request') return typeof item['id'] === 'string' ? shapeOf(false, [item['id']], []) : NONE;
  if (type === 'mcp_approval_response') return typeof item['approval_request_id'] === 'string' ? shapeOf(false, [], [item['approval_request_id']]) : NONE;
  // A tool search the server runs is hosted: its output comes in the same response.
  if (type.startsWith('tool_search_') && serverExecuted(item)) return NONE;
  // `local_shell_call_output` names its call (the call's `call_id`) in `id`.
  const id = str(item['callId']) ?? str(item['call_id']) ?? (type === 'local_shell_call_output' ? str(item['id']) : undefined);
  if (id === undefined) return NONE; // hosted calls, or a result that names no call: opaque
  if (RESULT_SUFFIXES.some((s) => type.endsWith(s)) || OTHER_RESULTS.includes(type)) return shapeOf(false, [], [id]);
  if (type.endsWith('_call') || type === 'program') return shapeOf(false, [id], []);
  return NONE;
}

/**
 * Results that answer no call made earlier in `messages` (what a model API rejects with HTTP 400),
 * as their positions in the list; a result that names no call (`follows`) is orphaned when it comes
 * first. A call answered inside its own message (Anthropic server tools,
 * AI SDK provider-executed tools) counts as made before its result.
 */
export function orphanResults(messages: readonly unknown[]): number[] {
  const scan = new OrphanScan();
  for (const m of messages) scan.add(m);
  return scan.found;
}

/** `orphanResults` fed one message at a time, so a long history can be scanned in slices. */
export class OrphanScan {
  private readonly open = new Set<string>();
  private index = 0;
  /** Positions (from the first message added) of the orphaned results so far. */
  readonly found: number[] = [];

  add(message: unknown): void {
    const s = classifyMessage(message);
    for (const id of s.opens) this.open.add(id);
    if (s.closes.some((id) => !this.open.has(id)) || (s.follows && this.index === 0)) this.found.push(this.index);
    this.index++;
  }
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
