import fc from 'fast-check';
import type { MessageShape } from '../../src/core/message-shapes.js';
import type { Message } from '../../src/types.js';

/**
 * Conversations in every message format the history rules read. Each generated message carries a
 * label `_t` (stored verbatim like any field) saying what it is — the generator's own knowledge,
 * not the library's classifier — so a test can check the invariant and run the model without
 * trusting the code under test.
 */
export const DIALECTS = ['chat', 'responses', 'anthropic', 'aisdk', 'uimessage'] as const;
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
  /** Serial of the reasoning item this message must not lose. */
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
  kind: 'function' | 'computer' | 'shell' | 'apply_patch' | 'hosted';
  raw: boolean;
}

export const turnSpecArb = (dialects: readonly Dialect[]): fc.Arbitrary<TurnSpec> =>
  fc.record({
    dialect: fc.constantFrom(...dialects),
    rounds: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    reasoning: fc.boolean(),
    split: fc.boolean(),
    kind: fc.constantFrom('function' as const, 'computer' as const, 'shell' as const, 'apply_patch' as const, 'hosted' as const),
    raw: fc.boolean(),
  });

export const labelOf = (m: Message): Label => m['_t'] as Label;

/** The label as a shape: what the model's rules read instead of the classifier. */
export function labelShape(m: Message): MessageShape {
  const t = labelOf(m);
  return { userTurn: t.user === true, opens: t.opens ?? [], closes: t.closes ?? [], glued: t.glued === true, follows: t.follows === true };
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
    switch (spec.dialect) {
      case 'chat':
        this.push({ role: 'user', content: q }, { user: true });
        for (const k of spec.rounds) {
          const ids = this.ids(k);
          this.push({ role: 'assistant', content: null, tool_calls: ids.map((id) => ({ id, type: 'function', function: { name: 'search', arguments: '{}' } })) }, { opens: ids });
          for (const id of [...ids].reverse()) this.push({ role: 'tool', tool_call_id: id, content: 'found' }, { closes: [id] });
        }
        this.push({ role: 'assistant', content: 'answer' });
        break;
      case 'responses':
        this.push(spec.raw ? { role: 'user', content: q } : { type: 'message', role: 'user', content: [{ type: 'input_text', text: q }] }, { user: true });
        for (const k of spec.rounds) {
          const ids = this.ids(k);
          const why = spec.reasoning ? this.push({ type: 'reasoning', id: `rs_${this.n}`, summary: [] }, { glued: true }) : undefined;
          if (spec.kind === 'hosted') {
            this.push({ type: 'hosted_tool_call', name: 'web_search_call', status: 'completed', output: 'found' }, why === undefined ? {} : { needs: why });
            continue;
          }
          const idField = spec.raw ? 'call_id' : 'callId';
          ids.forEach((id, i) => this.push({ type: `${spec.kind}_call`, [idField]: id, name: 'f', arguments: '{}' }, { opens: [id], ...(i === 0 && why !== undefined ? { needs: why } : {}) }));
          const result = spec.kind === 'function' ? (spec.raw ? 'function_call_output' : 'function_call_result') : spec.kind === 'computer' ? (spec.raw ? 'computer_call_output' : 'computer_call_result') : `${spec.kind}_call_output`;
          for (const id of ids) this.push({ type: result, [idField]: id, output: 'done' }, { closes: [id] });
        }
        {
          const why = spec.reasoning ? this.push({ type: 'reasoning', id: `rs_${this.n}`, summary: [] }, { glued: true }) : undefined;
          this.push({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'answer' }] }, why === undefined ? {} : { needs: why });
        }
        break;
      case 'anthropic':
        this.push({ role: 'user', content: q }, { user: true });
        for (const k of spec.rounds) {
          const ids = this.ids(k);
          this.push({ role: 'assistant', content: [{ type: 'text', text: 'let me look' }, ...ids.map((id) => ({ type: 'tool_use', id, name: 'search', input: {} }))] }, { opens: ids });
          const blocks: unknown[] = ids.map((id) => ({ type: 'tool_result', tool_use_id: id, content: 'found' }));
          if (spec.split) blocks.push({ type: 'text', text: 'also consider this' });
          this.push({ role: 'user', content: blocks }, { closes: ids });
        }
        this.push({ role: 'assistant', content: [{ type: 'text', text: 'answer' }] });
        break;
      case 'aisdk':
        this.push({ role: 'user', content: [{ type: 'text', text: q }] }, { user: true });
        for (const k of spec.rounds) {
          const ids = this.ids(k);
          this.push({ role: 'assistant', content: ids.map((id) => ({ type: 'tool-call', toolCallId: id, toolName: 'search', input: {} })) }, { opens: ids });
          const part = (id: string) => ({ type: 'tool-result', toolCallId: id, toolName: 'search', output: { type: 'text', value: 'found' } });
          if (spec.split) for (const id of ids) this.push({ role: 'tool', content: [part(id)] }, { closes: [id] });
          else this.push({ role: 'tool', content: ids.map(part) }, { closes: ids });
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
    }
    this.boundaries.push(this.messages.length);
  }

  private ids(k: number): string[] {
    return Array.from({ length: k }, () => `call_${this.calls++}`);
  }
}

/**
 * The invariant, read from the labels: no result whose call is not before it in `history`, and
 * no message without the reasoning item it follows.
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
