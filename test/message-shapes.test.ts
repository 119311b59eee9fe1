import { describe, expect, it } from 'vitest';
import { classifyMessage, orphanResults } from '../src/core/message-shapes.js';
import { hasOrphanToolResult } from '../src/core/history-rules.js';
import { openMemorySessionLog } from '../src/open.js';
import type { Message } from '../src/types.js';
import { collect } from './support/collect.js';

const shape = (opens: string[], closes: string[], userTurn = false, glued = false, follows = false, unnamedCalls = false) => ({ userTurn, opens, closes, glued, follows, unnamedCalls });

describe('classifyMessage: every format by its shape', () => {
  it.each<[string, unknown, ReturnType<typeof shape>]>([
    // OpenAI Chat Completions
    ['chat user', { role: 'user', content: 'hi' }, shape([], [], true)],
    ['chat parallel calls', { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function' }, { id: 'b', type: 'function' }] }, shape(['a', 'b'], [])],
    ['chat result', { role: 'tool', tool_call_id: 'a', content: 'x' }, shape([], ['a'])],
    ['chat result with text parts', { role: 'tool', tool_call_id: 'a', content: [{ type: 'text', text: 'x' }] }, shape([], ['a'])],
    ['chat result naming no call', { role: 'tool', content: 'x' }, shape([], [], false, false, true)],
    ['ollama tool result (tool_name, no id)', { role: 'tool', content: 'x', tool_name: 'search' }, shape([], [], false, false, true)],
    ['ollama call without id', { role: 'assistant', content: '', tool_calls: [{ function: { name: 'search', arguments: {} } }] }, shape([], [], false, false, false, true)],
    ['system', { role: 'system', content: 'be brief' }, shape([], [])],
    // OpenAI Responses items / Agents SDK AgentInputItem
    ['responses user message', { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }, shape([], [], true)],
    ['responses assistant message', { type: 'message', role: 'assistant', status: 'completed', content: [] }, shape([], [])],
    ['agents function_call', { type: 'function_call', callId: 'a', name: 'f', arguments: '{}' }, shape(['a'], [])],
    ['agents function_call_result', { type: 'function_call_result', callId: 'a', name: 'f', status: 'completed', output: 'x' }, shape([], ['a'])],
    ['raw function_call', { type: 'function_call', call_id: 'a', name: 'f', arguments: '{}' }, shape(['a'], [])],
    ['raw function_call_output', { type: 'function_call_output', call_id: 'a', output: 'x' }, shape([], ['a'])],
    ['computer_call', { type: 'computer_call', callId: 'c', action: {} }, shape(['c'], [])],
    ['computer_call_result', { type: 'computer_call_result', callId: 'c', output: {} }, shape([], ['c'])],
    ['raw computer_call_output', { type: 'computer_call_output', call_id: 'c', output: {} }, shape([], ['c'])],
    ['shell_call', { type: 'shell_call', callId: 's', action: {} }, shape(['s'], [])],
    ['shell_call_output', { type: 'shell_call_output', callId: 's', output: [] }, shape([], ['s'])],
    ['apply_patch_call', { type: 'apply_patch_call', callId: 'p', operation: {} }, shape(['p'], [])],
    ['apply_patch_call_output', { type: 'apply_patch_call_output', callId: 'p', status: 'completed' }, shape([], ['p'])],
    ['raw local_shell_call', { type: 'local_shell_call', id: 'lsh_1', call_id: 'ls', action: {}, status: 'completed' }, shape(['ls'], [])],
    ['raw local_shell_call_output names its call in id', { type: 'local_shell_call_output', id: 'ls', output: '{}' }, shape([], ['ls'])],
    ['custom_tool_call', { type: 'custom_tool_call', call_id: 'ct', name: 'f', input: 'x' }, shape(['ct'], [])],
    ['custom_tool_call_output', { type: 'custom_tool_call_output', call_id: 'ct', output: 'x' }, shape([], ['ct'])],
    ['raw shell_call_output', { type: 'shell_call_output', call_id: 's', output: [] }, shape([], ['s'])],
    ['mcp_approval_request', { type: 'mcp_approval_request', id: 'mcpr_1', name: 'f', arguments: '{}', server_label: 'x' }, shape(['mcpr_1'], [])],
    ['mcp_approval_response', { type: 'mcp_approval_response', approval_request_id: 'mcpr_1', approve: true }, shape([], ['mcpr_1'])],
    ['raw mcp_call (result inline)', { type: 'mcp_call', id: 'mcp_1', name: 'f', arguments: '{}', output: 'x', server_label: 'x' }, shape([], [])],
    ['raw image_generation_call', { type: 'image_generation_call', id: 'ig_1', result: 'b64', status: 'completed' }, shape([], [])],
    ['raw code_interpreter_call', { type: 'code_interpreter_call', id: 'ci_1', container_id: 'c', code: 'x', outputs: [], status: 'completed' }, shape([], [])],
    ['raw file_search_call', { type: 'file_search_call', id: 'fs_1', queries: [], status: 'completed' }, shape([], [])],
    ['raw tool_search_call run by the client', { type: 'tool_search_call', id: 'ts_1', call_id: 'ts', execution: 'client', arguments: {} }, shape(['ts'], [])],
    ['raw tool_search_output', { type: 'tool_search_output', call_id: 'ts', execution: 'client', tools: [] }, shape([], ['ts'])],
    ['tool search run by the server is hosted', { type: 'tool_search_call', id: 'ts_2', call_id: 'ts2', execution: 'server', arguments: {} }, shape([], [])],
    ['its output too', { type: 'tool_search_output', callId: 'ts2', execution: 'server', tools: [] }, shape([], [])],
    ['agents tool_search_output (server, in providerData)', { type: 'tool_search_output', id: 'o', providerData: { execution: 'server' }, tools: [] }, shape([], [])],
    ['agents program', { type: 'program', callId: 'pg', code: 'x' }, shape(['pg'], [])],
    ['agents program_output', { type: 'program_output', callId: 'pg', output: 'done' }, shape([], ['pg'])],
    ['hosted call (result inline)', { type: 'hosted_tool_call', name: 'web_search_call', output: 'x' }, shape([], [])],
    ['raw web_search_call', { type: 'web_search_call', id: 'ws_1', status: 'completed' }, shape([], [])],
    ['reasoning', { type: 'reasoning', id: 'rs_1', summary: [] }, shape([], [], false, true)],
    // Anthropic Messages
    ['anthropic parallel tool_use', { role: 'assistant', content: [{ type: 'text', text: 'ok' }, { type: 'tool_use', id: 'a', name: 'f', input: {} }, { type: 'tool_use', id: 'b', name: 'g', input: {} }] }, shape(['a', 'b'], [])],
    ['anthropic tool_result blocks', { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a' }, { type: 'tool_result', tool_use_id: 'b' }] }, shape([], ['a', 'b'])],
    ['anthropic results with text', { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a' }, { type: 'text', text: 'and' }] }, shape([], ['a'])],
    ['anthropic user text blocks', { role: 'user', content: [{ type: 'text', text: 'hi' }] }, shape([], [], true)],
    // Vercel AI SDK ModelMessage
    ['ai sdk tool-call parts', { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'a', toolName: 'f', input: {} }, { type: 'tool-call', toolCallId: 'b', toolName: 'f', input: {} }] }, shape(['a', 'b'], [])],
    ['ai sdk tool message', { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'a', toolName: 'f', output: { type: 'text', value: 'x' } }] }, shape([], ['a'])],
    ['ai sdk approval request', { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'a', toolName: 'f', input: {} }, { type: 'tool-approval-request', approvalId: 'ap1', toolCallId: 'a' }] }, shape(['a', 'ap1'], [])],
    ['ai sdk approval response alone', { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: 'ap1', approved: true }] }, shape([], ['ap1'])],
    // Amazon Bedrock Converse
    ['bedrock toolUse', { role: 'assistant', content: [{ text: 'ok' }, { toolUse: { toolUseId: 'b1', name: 'f', input: {} } }] }, shape(['b1'], [])],
    ['bedrock toolResult (not a user turn)', { role: 'user', content: [{ toolResult: { toolUseId: 'b1', content: [{ text: 'x' }] } }] }, shape([], ['b1'])],
    ['bedrock user text', { role: 'user', content: [{ text: 'hi' }] }, shape([], [], true)],
    // Google Gemini
    ['gemini functionCall with id', { role: 'model', parts: [{ functionCall: { id: 'g1', name: 'f', args: {} } }] }, shape(['g1'], [])],
    ['gemini functionCall without id', { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] }, shape([], [], false, false, false, true)],
    ['gemini functionResponse with id', { role: 'user', parts: [{ functionResponse: { id: 'g1', name: 'f', response: {} } }] }, shape([], ['g1'])],
    ['gemini functionResponse without id follows its call (not a user turn)', { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }, shape([], [], false, false, true)],
    ['gemini user text', { role: 'user', parts: [{ text: 'hi' }] }, shape([], [], true)],
    // Vercel AI SDK UIMessage: call and result in one part
    ['ui message tool part', { id: 'm1', role: 'assistant', parts: [{ type: 'tool-search', toolCallId: 'a', state: 'output-available', input: {}, output: 'x' }] }, shape([], [])],
    ['ui message user', { id: 'm0', role: 'user', parts: [{ type: 'text', text: 'hi' }] }, shape([], [], true)],
    // pi-agent
    ['pi-agent toolCall block', { role: 'assistant', content: [{ type: 'toolCall', id: 'a', name: 'f' }] }, shape(['a'], [])],
    ['pi-agent toolResult', { role: 'toolResult', toolCallId: 'a', content: [] }, shape([], ['a'])],
    // opaque
    ['unknown object', { anything: [1, 2] }, shape([], [])],
    ['unknown typed item', { type: 'compaction', encrypted_content: 'x' }, shape([], [])],
  ])('%s', (_, message, expected) => {
    expect(classifyMessage(message)).toEqual(expected);
  });

  it('never throws on odd values', () => {
    for (const v of [null, 1, 'x', [], { role: 'assistant', tool_calls: 'no' }, { role: 'assistant', content: [null, 1, { type: 'tool_use' }] }, { type: 5 }]) {
      expect(() => classifyMessage(v)).not.toThrow();
    }
  });

  it('orphan check: a result is orphaned unless its call came earlier, in every format', () => {
    const anthropic: unknown[] = [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'a' }, { type: 'tool_use', id: 'b' }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a' }, { type: 'tool_result', tool_use_id: 'b' }] },
    ];
    expect(hasOrphanToolResult(anthropic)).toBe(false);
    expect(orphanResults(anthropic.slice(2))).toEqual([0]);
    const responses: unknown[] = [{ type: 'reasoning' }, { type: 'function_call', callId: 'a' }, { type: 'function_call_result', callId: 'a' }];
    expect(hasOrphanToolResult(responses)).toBe(false);
    expect(hasOrphanToolResult(responses.slice(2))).toBe(true);
    // a result before its call is orphaned too
    expect(orphanResults([{ role: 'tool', tool_call_id: 'a' }, { role: 'assistant', tool_calls: [{ id: 'a' }] }])).toEqual([0]);
  });
});

describe('the rules in the engine, per format (regressions: each failed before the classifier)', () => {
  it('role-less Responses items are stored and returned exactly', async () => {
    const log = openMemorySessionLog();
    const items: Message[] = [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'weather?' }] },
      { type: 'reasoning', id: 'rs_1', summary: [], providerData: { encrypted: 'x' } },
      { type: 'function_call', callId: 'a', name: 'weather', arguments: '{}', status: 'completed' },
      { type: 'function_call_result', callId: 'a', name: 'weather', status: 'completed', output: { type: 'text', text: 'sunny' } },
      { weird: true, nested: [{ x: null }] },
    ];
    await log.addMessages('s', items);
    expect(await log.getHistory('s')).toEqual(items);
    expect((await collect(log.readEvents('s')))[0]).toMatchObject({ type: 'messages.added', messages: items });
    await log.close();
  });

  it('Anthropic: through that lands on a tool_result message moves back to the turn', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('s', [{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }] }]);
    const seen = (await log.getSession('s'))?.version ?? 0;
    await log.addMessages('s', [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'x' }] }, { role: 'assistant', content: 'done' }]);
    await log.setSummary('s', 'sum', { through: seen });
    const h = await log.getHistory('s');
    expect(hasOrphanToolResult(h)).toBe(false);
    expect(h).toHaveLength(4);
    await log.close();
  });

  it('Anthropic: a safe cut does not stop on a tool_result message (a user message that is only results)', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('s', [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1' },
      { role: 'user', content: 'q2' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'x' }] },
      { role: 'assistant', content: 'a2' },
    ]);
    await log.truncateHistory('s', 2, { safe: true });
    expect((await log.getHistory('s'))[0]).toEqual({ role: 'user', content: 'q2' });
    await log.close();
  });

  it('Responses: through between a reasoning item and its call keeps them together', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('s', [{ role: 'user', content: 'q' }, { type: 'reasoning', id: 'rs', summary: [] }]);
    const seen = (await log.getSession('s'))?.version ?? 0;
    await log.addMessages('s', [{ type: 'function_call', call_id: 'a', name: 'f', arguments: '{}' }, { type: 'function_call_output', call_id: 'a', output: 'x' }]);
    await log.setSummary('s', 'sum', { through: seen });
    expect((await log.getHistory('s')).map((m) => m['type'] ?? m.role)).toEqual(['user', 'reasoning', 'function_call', 'function_call_output']);
    await log.close();
  });

  it('a summary through a call whose result has not arrived yet keeps the call (its result would be orphaned)', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('s', [{ role: 'user', content: 'q' }, { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function' }] }]);
    await log.setSummary('s', 'sum', { through: (await log.getSession('s'))?.version ?? 0 });
    await log.addFullMessage('s', { role: 'tool', tool_call_id: 'a', content: 'x' });
    expect((await log.getHistory('s')).map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(hasOrphanToolResult(await log.getHistory('s'))).toBe(false);
    await log.close();
  });

  it('a safe truncation to 0 keeps the turn whose call still waits for its result', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('s', [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'a1' }, { role: 'user', content: 'q2' }, { type: 'function_call', callId: 'a', name: 'f', arguments: '{}' }]);
    await log.truncateHistory('s', 0, { safe: true });
    await log.addFullMessage('s', { type: 'function_call_result', callId: 'a', output: 'x' });
    const h = await log.getHistory('s');
    expect(h.map((m) => m['content'] ?? m['type'])).toEqual(['q2', 'function_call', 'function_call_result']);
    expect(hasOrphanToolResult(h)).toBe(false);
    await log.close();
  });

  it('Anthropic: the maxMessages cap does not start on a tool_result message', async () => {
    const log = openMemorySessionLog({ maxMessages: 3 });
    await log.addMessages('s', [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'x' }] },
      { role: 'assistant', content: 'done' },
    ]);
    const h = await log.getHistory('s');
    expect(h).toHaveLength(3);
    expect(hasOrphanToolResult(h)).toBe(false);
    await log.close();
  });
});

describe('the CLI renders role-less items', () => {
  it('shows a Responses item by its type instead of crashing on the missing role', async () => {
    const { renderMessage, describeEvent } = await import('../src/cli/render.js');
    const { makeStyle } = await import('../src/cli/style.js');
    const item: Message = { type: 'function_call_result', callId: 'a', output: 'sunny' };
    expect(renderMessage(item, makeStyle(false)).join('\n')).toContain('function_call_result');
    expect(describeEvent({ type: 'messages.added', version: 1, at: 0, from: 0, messages: [item, { opaque: 1 }] })).toContain('function_call_result, ?');
  });
});

describe('verify lists histories with orphaned results, in any format, without failing', () => {
  it('reports the session and the indexes; ok stays true', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('fine', [{ type: 'function_call', call_id: 'a' }, { type: 'function_call_output', call_id: 'a' }]);
    await log.addMessages('cut', [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'x' }] },
    ]);
    await log.truncateHistory('cut', 1); // a plain cut may orphan: that is what `safe` is for
    const report = await log.verify();
    expect(report.ok).toBe(true);
    expect(report.orphanedResults).toEqual([{ key: 'cut', indexes: [0] }]);
    await log.close();
  });
});

describe('turnlog verify and history with role-less items', () => {
  it('verify warns about an orphaned result and exits 0; history prints a Responses item by its type', async () => {
    const { main } = await import('../src/cli/main.js');
    const { openSessionLog } = await import('../src/open.js');
    const { tempDir } = await import('./support/harness.js');
    const { rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = tempDir();
    try {
      const path = join(dir, 'store');
      const log = openSessionLog({ path });
      await log.addMessages('k', [{ type: 'function_call', callId: 'a', name: 'f', arguments: '{}' }, { type: 'function_call_result', callId: 'a', output: 'x' }]);
      await log.truncateHistory('k', 1);
      await log.close();
      const out = { text: '', isTTY: false, write: (s: string) => ((out.text += s), true) };
      const err = { text: '', isTTY: false, write: (s: string) => ((err.text += s), true) };
      expect(await main(['verify', '--path', path], { stdout: out, stderr: err, env: {} })).toBe(0);
      expect(out.text, err.text).toContain('warning k: 1 tool result without its call (history index 0)');
      out.text = '';
      expect(await main(['history', 'k', '--path', path], { stdout: out, stderr: err, env: {} })).toBe(0);
      expect(out.text).toContain('function_call_result');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('review regressions (each failed before its fix, except the guards of what must not change)', () => {
  it('shapes are deeply frozen: mutating one changes nothing any other caller reads', () => {
    const opaque = classifyMessage({ role: 'system', content: 'x' });
    expect(() => (opaque.closes as string[]).push('nope')).toThrow();
    expect(() => (opaque.opens as string[]).push('nope')).toThrow();
    expect(() => Object.assign(opaque, { userTurn: true })).toThrow();
    const result = classifyMessage({ role: 'tool', tool_call_id: 'a' });
    expect(() => (result.closes as string[]).push('b')).toThrow();
    expect(classifyMessage({ role: 'system', content: 'y' })).toEqual(shape([], []));
    expect(hasOrphanToolResult([{ role: 'system', content: 'y' }])).toBe(false);
    expect(() => (classifyMessage({ type: 'reasoning' }).opens as string[]).push('r')).toThrow();
  });

  it('AI SDK v6: a tool message holding only an approval response is no orphan, and a safe cut can land on its turn', async () => {
    const log = openMemorySessionLog();
    const turn: Message[] = [
      { role: 'user', content: 'q2' },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'a', toolName: 'f', input: {} }, { type: 'tool-approval-request', approvalId: 'ap1', toolCallId: 'a' }] },
      { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: 'ap1', approved: true }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'a', toolName: 'f', output: { type: 'text', value: 'x' } }] },
      { role: 'assistant', content: 'done' },
    ];
    await log.addMessages('s', [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'a1' }, ...turn]);
    expect(hasOrphanToolResult(await log.getHistory('s'))).toBe(false);
    await log.truncateHistory('s', 2, { safe: true });
    expect(await log.getHistory('s')).toEqual(turn);
    // the response is not separated from its request
    expect(orphanResults(turn.slice(2))).toEqual([0, 1]);
    await log.close();
  });

  it('AI SDK v6: a summary through an approval request keeps it until its response', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('s', [{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'tool-approval-request', approvalId: 'ap1', toolCallId: 'a' }] }]);
    await log.setSummary('s', 'sum', { through: (await log.getSession('s'))?.version ?? 0 });
    await log.addFullMessage('s', { role: 'tool', content: [{ type: 'tool-approval-response', approvalId: 'ap1', approved: false }] });
    expect(await log.getHistory('s')).toHaveLength(3);
    await log.close();
  });

  it('Ollama: a tool message without an id stays with the call before it; it is no orphan there', async () => {
    const log = openMemorySessionLog();
    const turn: Message[] = [
      { role: 'user', content: 'q2' },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'search', arguments: {} } }] },
      { role: 'tool', content: 'found', tool_name: 'search' },
      { role: 'assistant', content: 'done' },
    ];
    await log.addMessages('s', [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'a1' }, ...turn]);
    expect(hasOrphanToolResult(await log.getHistory('s'))).toBe(false);
    expect(orphanResults(turn.slice(2))).toEqual([0]);
    await log.truncateHistory('s', 2, { safe: true });
    expect(await log.getHistory('s')).toEqual(turn);
    await log.close();
  });

  it('Ollama: the cap never starts the history on a tool message without an id', async () => {
    const log = openMemorySessionLog({ maxMessages: 2 });
    await log.addMessages('s', [{ role: 'user', content: 'q' }, { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f' } }] }]);
    await log.addMessages('s', [{ role: 'tool', content: 'x' }]);
    expect((await log.getHistory('s'))[0]?.role).not.toBe('tool');
    await log.close();
  });

  it('calls without ids wait for their results: a safe cut to 0 keeps them (a guard)', async () => {
    for (const call of [{ role: 'assistant', content: '', tool_calls: [{ function: { name: 'f' } }, { function: { name: 'f' } }] }, { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] }]) {
      const log = openMemorySessionLog();
      await log.addMessages('s', [{ role: 'user', content: 'q' }, call]);
      await log.truncateHistory('s', 0, { safe: true });
      expect(await log.getHistory('s')).toHaveLength(2);
      await log.addFullMessage('s', { role: 'tool', content: 'r1' }); // one of two results: still waiting
      await log.truncateHistory('s', 0, { safe: true });
      expect(await log.getHistory('s')).toHaveLength(3);
      await log.addFullMessage('s', { role: 'assistant', content: 'done' });
      await log.truncateHistory('s', 0, { safe: true });
      expect(await log.getHistory('s')).toHaveLength(0);
      await log.close();
    }
  });

  it('raw Responses: local_shell_call_output (named by id) closes its call, so the cap works', async () => {
    const log = openMemorySessionLog({ maxMessages: 3 });
    await log.addMessages('s', [
      { role: 'user', content: 'q' },
      { type: 'local_shell_call', id: 'lsh_1', call_id: 'c1', action: { type: 'exec', command: ['ls'] }, status: 'completed' },
      { type: 'local_shell_call_output', id: 'c1', output: '{}' },
      { type: 'local_shell_call', id: 'lsh_2', call_id: 'c2', action: { type: 'exec', command: ['ls'] }, status: 'completed' },
      { type: 'local_shell_call_output', id: 'c2', output: '{}' },
      { type: 'message', role: 'assistant', content: [] },
    ]);
    const h = await log.getHistory('s');
    expect(h.length).toBeLessThanOrEqual(3);
    expect(h[0]?.['type']).not.toBe('local_shell_call_output');
    await log.close();
  });

  it('raw Responses: an MCP approval request and its response are never separated', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('s', [{ role: 'user', content: 'q' }, { type: 'mcp_approval_request', id: 'mcpr_1', name: 'f', arguments: '{}', server_label: 'x' }]);
    await log.setSummary('s', 'sum', { through: (await log.getSession('s'))?.version ?? 0 });
    await log.addFullMessage('s', { type: 'mcp_approval_response', approval_request_id: 'mcpr_1', approve: true });
    expect((await log.getHistory('s')).map((m) => m['type'] ?? m.role)).toEqual(['user', 'mcp_approval_request', 'mcp_approval_response']);
    await log.close();
  });

  it('one dangling call does not turn the cap off: 20 later call/result pairs stay bounded', async () => {
    const log = openMemorySessionLog({ maxMessages: 3 });
    await log.addMessages('s', [{ role: 'user', content: 'q' }, { role: 'assistant', content: null, tool_calls: [{ id: 'x', type: 'function' }] }]);
    await log.addMessages('s', [{ role: 'tool', tool_call_id: 'x', content: 'x' }]);
    await log.removeLast('s', 1); // the result is popped: the call dangles
    for (let i = 0; i < 20; i++) {
      await log.addMessages('s', [{ role: 'assistant', content: null, tool_calls: [{ id: `c${i}`, type: 'function' }] }]);
      await log.addMessages('s', [{ role: 'tool', tool_call_id: `c${i}`, content: 'r' }]);
      const h = await log.getHistory('s');
      expect(hasOrphanToolResult(h), `pair ${i}`).toBe(false);
    }
    expect((await log.getHistory('s')).length).toBeLessThanOrEqual(3);
    await log.close();
  });

  it('a call still waiting in its round blocks the cap (not abandoned)', async () => {
    const log = openMemorySessionLog({ maxMessages: 2 });
    await log.addMessages('s', [{ role: 'user', content: 'q' }, { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function' }, { id: 'b', type: 'function' }] }]);
    await log.addMessages('s', [{ role: 'tool', tool_call_id: 'b', content: 'r' }]);
    await log.addMessages('s', [{ role: 'tool', tool_call_id: 'a', content: 'r' }]);
    expect(hasOrphanToolResult(await log.getHistory('s'))).toBe(false);
    await log.close();
  });

  it('Bedrock Converse: a safe cut does not land on a toolResult message', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('s', [
      { role: 'user', content: [{ text: 'q1' }] },
      { role: 'assistant', content: [{ text: 'a1' }] },
      { role: 'user', content: [{ text: 'q2' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 'b1', name: 'f', input: {} } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'b1', content: [{ text: 'x' }] } }] },
      { role: 'assistant', content: [{ text: 'done' }] },
    ]);
    await log.truncateHistory('s', 2, { safe: true });
    expect((await log.getHistory('s'))[0]).toEqual({ role: 'user', content: [{ text: 'q2' }] });
    expect(orphanResults((await log.getHistory('s')).slice(2))).toEqual([0]);
    await log.close();
  });

  it('Gemini: a safe cut does not land on a functionResponse message (with or without id)', async () => {
    for (const id of [{ id: 'g1' }, {}]) {
      const log = openMemorySessionLog();
      await log.addMessages('s', [
        { role: 'user', parts: [{ text: 'q1' }] },
        { role: 'model', parts: [{ text: 'a1' }] },
        { role: 'user', parts: [{ text: 'q2' }] },
        { role: 'model', parts: [{ functionCall: { name: 'f', args: {}, ...id } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'f', response: {}, ...id } }] },
        { role: 'model', parts: [{ text: 'done' }] },
      ]);
      await log.truncateHistory('s', 2, { safe: true });
      expect((await log.getHistory('s'))[0]).toEqual({ role: 'user', parts: [{ text: 'q2' }] });
      await log.close();
    }
  });
});
