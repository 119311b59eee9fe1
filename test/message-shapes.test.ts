import { describe, expect, it } from 'vitest';
import { classifyMessage, orphanResults } from '../src/core/message-shapes.js';
import { hasOrphanToolResult } from '../src/core/history-rules.js';
import { openMemorySessionLog } from '../src/open.js';
import type { Message } from '../src/types.js';

const shape = (opens: string[], closes: string[], userTurn = false, glued = false) => ({ userTurn, opens, closes, glued });

describe('classifyMessage: every format by its shape', () => {
  it.each<[string, unknown, ReturnType<typeof shape>]>([
    // OpenAI Chat Completions
    ['chat user', { role: 'user', content: 'hi' }, shape([], [], true)],
    ['chat parallel calls', { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function' }, { id: 'b', type: 'function' }] }, shape(['a', 'b'], [])],
    ['chat result', { role: 'tool', tool_call_id: 'a', content: 'x' }, shape([], ['a'])],
    ['chat result with text parts', { role: 'tool', tool_call_id: 'a', content: [{ type: 'text', text: 'x' }] }, shape([], ['a'])],
    ['chat result naming no call', { role: 'tool', content: 'x' }, shape([], [''])],
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
    expect(log.getHistory('s')).toEqual(items);
    expect([...log.readEvents('s')][0]).toMatchObject({ type: 'messages.added', messages: items });
    await log.close();
  });

  it('Anthropic: through that lands on a tool_result message moves back to the turn', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('s', [{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }] }]);
    const seen = log.getSession('s')?.version ?? 0;
    await log.addMessages('s', [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'x' }] }, { role: 'assistant', content: 'done' }]);
    await log.setSummary('s', 'sum', { through: seen });
    const h = log.getHistory('s');
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
    expect(log.getHistory('s')[0]).toEqual({ role: 'user', content: 'q2' });
    await log.close();
  });

  it('Responses: through between a reasoning item and its call keeps them together', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('s', [{ role: 'user', content: 'q' }, { type: 'reasoning', id: 'rs', summary: [] }]);
    const seen = log.getSession('s')?.version ?? 0;
    await log.addMessages('s', [{ type: 'function_call', call_id: 'a', name: 'f', arguments: '{}' }, { type: 'function_call_output', call_id: 'a', output: 'x' }]);
    await log.setSummary('s', 'sum', { through: seen });
    expect(log.getHistory('s').map((m) => m['type'] ?? m.role)).toEqual(['user', 'reasoning', 'function_call', 'function_call_output']);
    await log.close();
  });

  it('a summary through a call whose result has not arrived yet keeps the call (its result would be orphaned)', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('s', [{ role: 'user', content: 'q' }, { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function' }] }]);
    await log.setSummary('s', 'sum', { through: log.getSession('s')?.version ?? 0 });
    await log.addFullMessage('s', { role: 'tool', tool_call_id: 'a', content: 'x' });
    expect(log.getHistory('s').map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(hasOrphanToolResult(log.getHistory('s'))).toBe(false);
    await log.close();
  });

  it('a safe truncation to 0 keeps the turn whose call still waits for its result', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('s', [{ role: 'user', content: 'q1' }, { role: 'assistant', content: 'a1' }, { role: 'user', content: 'q2' }, { type: 'function_call', callId: 'a', name: 'f', arguments: '{}' }]);
    await log.truncateHistory('s', 0, { safe: true });
    await log.addFullMessage('s', { type: 'function_call_result', callId: 'a', output: 'x' });
    const h = log.getHistory('s');
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
    const h = log.getHistory('s');
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
