import type { Message } from '../types.js';

/**
 * What the CLI prints of a message, in every format turnlog stores (docs/api.md "Message
 * formats"): its kind (role, or item type), its text, the tool calls it makes and the call a
 * result answers. Every format the history rules read (src/core/message-shapes.ts): Chat
 * Completions (and Ollama), Anthropic blocks, pi-agent blocks, Responses items, AI SDK
 * ModelMessage and UIMessage parts, LangChain stored messages, Bedrock Converse blocks and Gemini
 * parts all come out the same way, so `history --at` shows what the model saw whatever the framework.
 */
export interface MessageView {
  kind: string;
  text: string;
  calls: Array<{ name: unknown; args: unknown; id: unknown }>;
  /** The call this message answers (a tool result), when it names one. */
  answers?: unknown;
  result: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const plain = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');
const LANGCHAIN_ROLES = new Map([['human', 'user'], ['ai', 'assistant'], ['tool', 'tool'], ['system', 'system'], ['developer', 'developer'], ['function', 'function'], ['generic', undefined]]);

export function viewOf(m: Message): MessageView {
  const type = typeof m['type'] === 'string' ? m['type'] : undefined;
  if (m.role === undefined && type !== undefined && LANGCHAIN_ROLES.has(type) && isObj(m['data'])) {
    const d = m['data'];
    const role = LANGCHAIN_ROLES.get(type) ?? (typeof d['role'] === 'string' ? d['role'] : type);
    return viewOf({ ...d, role, content: d['content'] } as Message);
  }
  if (m.role === undefined && type !== undefined) return itemView(m, type);
  const calls: MessageView['calls'] = [];
  const text: string[] = [];
  let answers: unknown = m['tool_call_id'] ?? m['toolCallId'];
  for (const c of Array.isArray(m['tool_calls']) ? m['tool_calls'] : []) {
    if (!isObj(c)) continue;
    const f = isObj(c['function']) ? c['function'] : undefined;
    calls.push({ name: f?.['name'] ?? c['name'], args: f?.['arguments'] ?? c['args'] ?? c['arguments'] ?? '', id: c['id'] });
  }
  let resultBlock = false; // a block that answers a call (it may name none: Gemini without ids)
  const blocks = Array.isArray(m.content) ? m.content : Array.isArray(m['parts']) ? (m['parts'] as unknown[]) : undefined;
  if (blocks === undefined) text.push(plain(m.content ?? ''));
  for (const b of blocks ?? []) {
    if (!isObj(b)) continue;
    const bt = typeof b['type'] === 'string' ? b['type'] : '';
    if (bt === 'toolCall' || bt === 'tool_use' || bt === 'tool-call') calls.push({ name: b['name'] ?? b['toolName'], args: b['arguments'] ?? b['input'] ?? '', id: b['id'] ?? b['toolCallId'] });
    else if (bt === 'tool_result' || bt === 'tool-result') {
      answers ??= b['tool_use_id'] ?? b['toolCallId'];
      resultBlock = true;
      text.push(plain(b['content'] ?? b['output'] ?? ''));
    } else if (bt === 'tool-approval-request') calls.push({ name: b['toolCallId'] === undefined ? 'approval' : `approval of ${plain(b['toolCallId'])}`, args: '', id: b['approvalId'] });
    else if (bt === 'tool-approval-response') {
      answers ??= b['approvalId'];
      resultBlock = true;
      text.push(b['approved'] === undefined ? plain(b['reason'] ?? '') : `${b['approved'] === true ? 'approved' : 'denied'}${b['reason'] === undefined ? '' : `: ${plain(b['reason'])}`}`);
    } else if (bt === '' && isObj(b['toolUse'])) {
      // Bedrock Converse: { toolUse: { toolUseId, name, input } }, { toolResult: { toolUseId, content, status } }
      const u = b['toolUse'];
      calls.push({ name: u['name'], args: u['input'] ?? '', id: u['toolUseId'] });
    } else if (bt === '' && isObj(b['toolResult'])) {
      const r = b['toolResult'];
      answers ??= r['toolUseId'];
      resultBlock = true;
      text.push(`${r['status'] === 'error' ? '[error] ' : ''}${bedrockContent(r['content'])}`);
    } else if (bt === '' && isObj(b['functionCall'])) {
      // Gemini: { functionCall: { name, args, id? } }, { functionResponse: { name, response, id? } }
      const c = b['functionCall'];
      calls.push({ name: c['name'], args: c['args'] ?? '', id: c['id'] });
    } else if (bt === '' && isObj(b['functionResponse'])) {
      const r = b['functionResponse'];
      answers ??= r['id'];
      resultBlock = true;
      text.push(`${r['id'] === undefined && r['name'] !== undefined ? `${plain(r['name'])}: ` : ''}${plain(r['response'] ?? '')}`);
    } else if (bt.startsWith('tool-') || bt === 'dynamic-tool') {
      // AI SDK UIMessage tool part: the call and, once there, its output, in one part.
      calls.push({ name: b['toolName'] ?? bt.slice(5), args: b['input'] ?? '', id: b['toolCallId'] });
      if (b['output'] !== undefined) text.push(`← ${plain(b['toolCallId'])} ${plain(b['output'])}`);
    } else if (typeof b['text'] === 'string') text.push(bt === 'reasoning' ? `[thinking] ${b['text']}` : b['text']);
    else if (typeof b['thinking'] === 'string') text.push(`[thinking] ${b['thinking']}`);
    else if (bt === 'step-start') continue;
    else text.push(plain(b));
  }
  const role = m.role ?? '?';
  const result = role === 'tool' || role === 'toolResult' || ((answers !== undefined || resultBlock) && calls.length === 0);
  return { kind: role, text: text.filter((t) => t.length > 0).join(' '), calls, ...(answers === undefined ? {} : { answers }), result };
}

/** A Bedrock tool result's content: `[{ text } | { json } | …]`. */
function bedrockContent(content: unknown): string {
  if (!Array.isArray(content)) return plain(content ?? '');
  return content.map((c) => (isObj(c) && typeof c['text'] === 'string' ? c['text'] : isObj(c) && c['json'] !== undefined ? plain(c['json']) : plain(c))).join(' ');
}

/** A Responses item: a call, a call's output, or a typed message. */
function itemView(m: Message, type: string): MessageView {
  // every `…_call` item: function, custom tool, computer, shell, local shell, apply-patch, tool search, hosted calls
  if (type.endsWith('_call')) {
    return { kind: type, text: '', calls: [{ name: m['name'] ?? type, args: m['arguments'] ?? m['input'] ?? m['action'] ?? '', id: m['call_id'] ?? m['callId'] ?? m['id'] }], result: false };
  }
  if (type === 'program') return { kind: type, text: '', calls: [{ name: type, args: m['code'] ?? m['input'] ?? m['arguments'] ?? '', id: m['call_id'] ?? m['callId'] }], result: false };
  if (type === 'mcp_approval_request') return { kind: type, text: '', calls: [{ name: m['name'] ?? type, args: m['arguments'] ?? '', id: m['id'] }], result: false };
  if (type === 'mcp_approval_response') {
    const text = m['approve'] === undefined ? plain(m['reason'] ?? '') : `${m['approve'] === true ? 'approved' : 'denied'}${m['reason'] === undefined || m['reason'] === null ? '' : `: ${plain(m['reason'])}`}`;
    return { kind: type, text, calls: [], answers: m['approval_request_id'], result: true };
  }
  if (type.endsWith('_output') || type.endsWith('_result')) {
    // local_shell_call_output names its call in `id`
    const answers = m['call_id'] ?? m['callId'] ?? (type === 'local_shell_call_output' ? m['id'] : undefined);
    return { kind: type, text: plain(m['output'] ?? ''), calls: [], ...(answers === undefined ? {} : { answers }), result: true };
  }
  if (type === 'reasoning') {
    const summary = Array.isArray(m['summary']) ? (m['summary'] as unknown[]).map((s) => (isObj(s) && typeof s['text'] === 'string' ? s['text'] : '')).join(' ') : '';
    return { kind: type, text: summary.length > 0 ? `[thinking] ${summary}` : '', calls: [], result: false };
  }
  return { ...viewOf({ ...m, role: typeof m['role'] === 'string' ? m['role'] : type } as Message), kind: type };
}
