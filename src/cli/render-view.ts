import type { Message } from '../types.js';

/**
 * What the CLI prints of a message, in every format turnlog stores (docs/api.md "Message
 * formats"): its kind (role, or item type), its text, the tool calls it makes and the call a
 * result answers. Chat Completions, Anthropic blocks, pi-agent blocks, Responses items, AI SDK
 * UIMessage parts and LangChain stored messages all come out the same way, so `history --at`
 * shows what the model saw whatever the framework.
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
  const blocks = Array.isArray(m.content) ? m.content : Array.isArray(m['parts']) ? (m['parts'] as unknown[]) : undefined;
  if (blocks === undefined) text.push(plain(m.content ?? ''));
  for (const b of blocks ?? []) {
    if (!isObj(b)) continue;
    const bt = typeof b['type'] === 'string' ? b['type'] : '';
    if (bt === 'toolCall' || bt === 'tool_use' || bt === 'tool-call') calls.push({ name: b['name'] ?? b['toolName'], args: b['arguments'] ?? b['input'] ?? '', id: b['id'] ?? b['toolCallId'] });
    else if (bt === 'tool_result' || bt === 'tool-result') {
      answers ??= b['tool_use_id'] ?? b['toolCallId'];
      text.push(plain(b['content'] ?? b['output'] ?? ''));
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
  const result = role === 'tool' || role === 'toolResult' || (answers !== undefined && calls.length === 0);
  return { kind: role, text: text.filter((t) => t.length > 0).join(' '), calls, ...(answers === undefined ? {} : { answers }), result };
}

/** A Responses item: a call, a call's output, or a typed message. */
function itemView(m: Message, type: string): MessageView {
  if (type === 'function_call' || type === 'custom_tool_call' || type === 'hosted_tool_call' || type === 'computer_call') {
    return { kind: type, text: '', calls: [{ name: m['name'] ?? type, args: m['arguments'] ?? m['input'] ?? m['action'] ?? '', id: m['call_id'] ?? m['callId'] ?? m['id'] }], result: false };
  }
  if (type.endsWith('_output') || type.endsWith('_result')) {
    return { kind: type, text: plain(m['output'] ?? ''), calls: [], answers: m['call_id'] ?? m['callId'], result: true };
  }
  if (type === 'reasoning') {
    const summary = Array.isArray(m['summary']) ? (m['summary'] as unknown[]).map((s) => (isObj(s) && typeof s['text'] === 'string' ? s['text'] : '')).join(' ') : '';
    return { kind: type, text: summary.length > 0 ? `[thinking] ${summary}` : '', calls: [], result: false };
  }
  return { ...viewOf({ ...m, role: typeof m['role'] === 'string' ? m['role'] : type } as Message), kind: type };
}
