import fc from 'fast-check';
import type { MessageShape } from '../../src/core/message-shapes.js';
import type { Message } from '../../src/types.js';

/**
 * Conversations in every message format the history rules read. Each generated message carries a
 * label `_t` (stored verbatim like any field) saying what it is — the generator's own knowledge,
 * not the library's classifier — so a test can check the invariant and run the model without
 * trusting the code under test.
 */
export const DIALECTS = ['chat', 'responses', 'anthropic', 'aisdk', 'uimessage', 'ollama', 'bedrock', 'gemini'] as const;
export type Dialect = (typeof DIALECTS)[number];

export interface Label {
  /** Serial number of the message in its conversation. */
  n: number;
  /** Starts a user turn. */
  user?: true;
  opens?: string[];
  closes?: string[];
  /** A reasoning item: stays with the next message. */
  glued?: true;
  /** A result that names no call: stays with the message before it. */
  follows?: true;
  /** Makes calls without ids (their results `follow` it). */
  unnamedCalls?: true;
  /** Serial of the reasoning item (or, for a `follows` result, the call message) this message must not lose. */
  needs?: number;
}

export interface TurnSpec {
  dialect: Dialect;
  /** Tool rounds before the answer; each round has 1–3 parallel calls. */
  rounds: number[];
  reasoning: boolean;
  /** Results in separate messages (Chat and AI SDK always; AI SDK may group them). */
  split: boolean;
  /** Responses: which call item kind, and Agents SDK (`callId`) or raw API (`call_id`) fields. */
  kind: (typeof KINDS)[number];
  /** Responses: raw API fields; AI SDK: every call asks for approval first; Gemini: no ids. */
  raw: boolean;
  /** The first round's last call never gets its result (popped, or never sent): it dangles. */
  dangling: boolean;
}

const KINDS = ['function', 'computer', 'shell', 'apply_patch', 'local_shell', 'custom_tool', 'mcp_approval', 'program', 'tool_search', 'hosted'] as const;

export const turnSpecArb = (dialects: readonly Dialect[]): fc.Arbitrary<TurnSpec> =>
  fc.record({
    dialect: fc.constantFrom(...dialects),
    rounds: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    reasoning: fc.boolean(),
    split: fc.boolean(),
    kind: fc.constantFrom(...KINDS),
    raw: fc.boolean(),
    dangling: fc.boolean(),
  });

export const labelOf = (m: Message): Label => m['_t'] as Label;

/** The label as a shape: what the model's rules read instead of the classifier. */
export function labelShape(m: Message): MessageShape {
  const t = labelOf(m);
  return { userTurn: t.user === true, opens: t.opens ?? [], closes: t.closes ?? [], glued: t.glued === true, follows: t.follows === true, unnamedCalls: t.unnamedCalls === true };
}

/** Builds conversations; ids and serials are unique within one builder. */
export class ConversationBuilder {
  private n = 0;
  private calls = 0;
  readonly messages: Message[] = [];
  /** Indexes in `messages` where a turn starts (and the end). */
  readonly boundaries: number[] = [0];

  private push(m: Record<string, unknown>, label: Omit<Label, 'n'> = {}): number {
    const n = this.n++;
    this.messages.push({ ...m, _t: { n, ...label } });
    return n;
  }

  turn(spec: TurnSpec): void {
    const q = `q${this.n}`;
    /** The calls of round `r` that get a result. */
    const answered = (ids: string[], r: number): string[] => (spec.dangling && r === 0 ? ids.slice(0, -1) : ids);
    switch (spec.dialect) {
      case 'chat':
        this.push({ role: 'user', content: q }, { user: true });
        for (const [r, k] of spec.rounds.entries()) {
          const ids = this.ids(k);
          this.push({ role: 'assistant', content: null, tool_calls: ids.map((id) => ({ id, type: 'function', function: { name: 'search', arguments: '{}' } })) }, { opens: ids });
          for (const id of [...answered(ids, r)].reverse()) this.push({ role: 'tool', tool_call_id: id, content: 'found' }, { closes: [id] });
        }
        this.push({ role: 'assistant', content: 'answer' });
        break;
      case 'responses':
        this.push(spec.raw ? { role: 'user', content: q } : { type: 'message', role: 'user', content: [{ type: 'input_text', text: q }] }, { user: true });
        for (const [r, k] of spec.rounds.entries()) {
          const ids = this.ids(k);
          const why = spec.reasoning ? this.push({ type: 'reasoning', id: `rs_${this.n}`, summary: [] }, { glued: true }) : undefined;
          if (spec.kind === 'hosted') {
            this.push({ type: 'hosted_tool_call', name: 'web_search_call', status: 'completed', output: 'found' }, why === undefined ? {} : { needs: why });
            continue;
          }
          const [call, result] = responsesPair(spec);
          ids.forEach((id, i) => this.push(call(id), { opens: [id], ...(i === 0 && why !== undefined ? { needs: why } : {}) }));
          for (const id of answered(ids, r)) this.push(result(id), { closes: [id] });
        }
        {
          const why = spec.reasoning ? this.push({ type: 'reasoning', id: `rs_${this.n}`, summary: [] }, { glued: true }) : undefined;
          this.push({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'answer' }] }, why === undefined ? {} : { needs: why });
        }
        break;
      case 'anthropic':
        this.push({ role: 'user', content: q }, { user: true });
        for (const [r, k] of spec.rounds.entries()) {
          const ids = this.ids(k);
          this.push({ role: 'assistant', content: [{ type: 'text', text: 'let me look' }, ...ids.map((id) => ({ type: 'tool_use', id, name: 'search', input: {} }))] }, { opens: ids });
          const done = answered(ids, r);
          if (done.length === 0) continue;
          const blocks: unknown[] = done.map((id) => ({ type: 'tool_result', tool_use_id: id, content: 'found' }));
          if (spec.split) blocks.push({ type: 'text', text: 'also consider this' });
          this.push({ role: 'user', content: blocks }, { closes: done });
        }
        this.push({ role: 'assistant', content: [{ type: 'text', text: 'answer' }] });
        break;
      case 'aisdk':
        this.push({ role: 'user', content: [{ type: 'text', text: q }] }, { user: true });
        for (const [r, k] of spec.rounds.entries()) {
          const ids = this.ids(k);
          // v6 approvals: the assistant asks (approvalId), a tool message holds only the answers
          const asks = spec.raw ? ids.map((id) => `ap_${id}`) : [];
          const calls = ids.map((id) => ({ type: 'tool-call', toolCallId: id, toolName: 'search', input: {} }));
          const requests = ids.map((id) => ({ type: 'tool-approval-request', approvalId: `ap_${id}`, toolCallId: id }));
          this.push({ role: 'assistant', content: spec.raw ? [...calls, ...requests] : calls }, { opens: [...ids, ...asks] });
          if (spec.raw) this.push({ role: 'tool', content: asks.map((approvalId) => ({ type: 'tool-approval-response', approvalId, approved: true })) }, { closes: asks });
          const part = (id: string) => ({ type: 'tool-result', toolCallId: id, toolName: 'search', output: { type: 'text', value: 'found' } });
          const done = answered(ids, r);
          if (spec.split) for (const id of done) this.push({ role: 'tool', content: [part(id)] }, { closes: [id] });
          else if (done.length > 0) this.push({ role: 'tool', content: done.map(part) }, { closes: done });
        }
        this.push({ role: 'assistant', content: [{ type: 'text', text: 'answer' }] });
        break;
      case 'uimessage':
        this.push({ id: `u${this.n}`, role: 'user', parts: [{ type: 'text', text: q }] }, { user: true });
        for (const k of spec.rounds) {
          const ids = this.ids(k);
          const parts = ids.map((id, i) =>
            i % 2 === 0
              ? { type: 'tool-search', toolCallId: id, state: 'output-available', input: {}, output: 'found' }
              : { type: 'dynamic-tool', toolName: 'lookup', toolCallId: id, state: 'output-available', input: {}, output: 'found' },
          );
          this.push({ id: `a${this.n}`, role: 'assistant', parts: [{ type: 'step-start' }, ...parts] });
        }
        this.push({ id: `a${this.n}`, role: 'assistant', parts: [{ type: 'text', text: 'answer' }] });
        break;
      case 'ollama':
        // no ids: each result follows (and needs) the call message before it
        this.push({ role: 'user', content: q }, { user: true });
        for (const [r, k] of spec.rounds.entries()) {
          const ids = this.ids(k);
          const call = this.push({ role: 'assistant', content: '', tool_calls: ids.map(() => ({ function: { name: 'search', arguments: {} } })) }, { unnamedCalls: true });
          for (const _ of answered(ids, r)) this.push({ role: 'tool', content: 'found', tool_name: 'search' }, { follows: true, needs: call });
        }
        this.push({ role: 'assistant', content: 'answer' });
        break;
      case 'bedrock':
        this.push({ role: 'user', content: [{ text: q }] }, { user: true });
        for (const [r, k] of spec.rounds.entries()) {
          const ids = this.ids(k);
          this.push({ role: 'assistant', content: [{ text: 'let me look' }, ...ids.map((toolUseId) => ({ toolUse: { toolUseId, name: 'search', input: {} } }))] }, { opens: ids });
          const done = answered(ids, r);
          if (done.length > 0) this.push({ role: 'user', content: done.map((toolUseId) => ({ toolResult: { toolUseId, content: [{ text: 'found' }] } })) }, { closes: done });
        }
        this.push({ role: 'assistant', content: [{ text: 'answer' }] });
        break;
      case 'gemini':
        // with ids (newer API), or paired by name and order (`raw`): then the response follows its call
        this.push({ role: 'user', parts: [{ text: q }] }, { user: true });
        for (const [r, k] of spec.rounds.entries()) {
          const ids = this.ids(k);
          const named = (id: string) => (spec.raw ? { name: 'search' } : { id, name: 'search' });
          const call = this.push({ role: 'model', parts: ids.map((id) => ({ functionCall: { ...named(id), args: {} } })) }, spec.raw ? { unnamedCalls: true } : { opens: ids });
          const done = answered(ids, r);
          if (done.length > 0) this.push({ role: 'user', parts: done.map((id) => ({ functionResponse: { ...named(id), response: {} } })) }, spec.raw ? { follows: true, needs: call } : { closes: done });
        }
        this.push({ role: 'model', parts: [{ text: 'answer' }] });
        break;
    }
    this.boundaries.push(this.messages.length);
  }

  private ids(k: number): string[] {
    return Array.from({ length: k }, () => `call_${this.calls++}`);
  }
}

/** A Responses call item and its result item, by kind (`raw`: the API's own field names). */
function responsesPair(spec: TurnSpec): [(id: string) => Record<string, unknown>, (id: string) => Record<string, unknown>] {
  const idField = spec.raw ? 'call_id' : 'callId';
  switch (spec.kind) {
    case 'local_shell': // the output names its call in `id`
      return [(id) => ({ type: 'local_shell_call', id: `lsh_${id}`, call_id: id, action: { type: 'exec', command: ['ls'] }, status: 'completed' }), (id) => ({ type: 'local_shell_call_output', id, output: '{}' })];
    case 'mcp_approval':
      return [(id) => ({ type: 'mcp_approval_request', id, name: 'f', arguments: '{}', server_label: 'srv' }), (id) => ({ type: 'mcp_approval_response', approval_request_id: id, approve: true })];
    case 'program':
      return [(id) => ({ type: 'program', [idField]: id, code: 'text("x")' }), (id) => ({ type: 'program_output', [idField]: id, output: 'done' })];
    case 'tool_search': // run by the client: a call and an output like any other
      return [(id) => ({ type: 'tool_search_call', id: `ts_${id}`, [idField]: id, execution: 'client', arguments: {} }), (id) => ({ type: 'tool_search_output', [idField]: id, execution: 'client', tools: [] })];
    case 'function':
    case 'computer':
      return [(id) => ({ type: `${spec.kind}_call`, [idField]: id, name: 'f', arguments: '{}' }), (id) => ({ type: `${spec.kind}_call_${spec.raw ? 'output' : 'result'}`, [idField]: id, output: 'done' })];
    default:
      return [(id) => ({ type: `${spec.kind}_call`, [idField]: id, name: 'f', arguments: '{}' }), (id) => ({ type: `${spec.kind}_call_output`, [idField]: id, output: 'done' })];
  }
}

/**
 * The invariant, read from the labels: no result whose call is not before it in `history`, and
 * no message without the reasoning item (or the call message) it follows.
 */
export function invariantProblem(history: Message[]): string | undefined {
  const opened = new Set<string>();
  const present = new Set<number>();
  for (const [i, m] of history.entries()) {
    const t = labelOf(m);
    if (t === undefined) continue;
    for (const id of t.opens ?? []) opened.add(id);
    for (const id of t.closes ?? []) if (!opened.has(id)) return `message ${i} (#${t.n}) answers ${id}, whose call is not before it`;
    if (t.needs !== undefined && !present.has(t.needs)) return `message ${i} (#${t.n}) lost its reasoning item #${t.needs}`;
    present.add(t.n);
  }
  return undefined;
}
