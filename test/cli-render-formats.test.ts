import { describe, expect, it } from 'vitest';
import { renderMessage } from '../src/cli/render.js';
import { makeStyle } from '../src/cli/style.js';
import type { Message } from '../src/types.js';

/**
 * `turnlog history` shows what the model saw in every format the adapters store: the call's
 * tool name, arguments and id, the result with the id it answers, and the text — not a bare role.
 */
const plain = makeStyle(false);
const show = (m: Message): string => renderMessage(m, plain, 200).join('\n');

describe('rendering every stored message format', () => {
  const cases: Array<[string, Message, Message, Message]> = [
    ['Chat Completions', { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Lisbon"}' } }] }, { role: 'tool', tool_call_id: 'c1', content: '21 C' }, { role: 'user', content: 'hi there' }],
    ['Responses items', { type: 'function_call', call_id: 'c1', name: 'weather', arguments: '{"city":"Lisbon"}' }, { type: 'function_call_output', call_id: 'c1', output: '21 C' }, { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi there' }] }],
    ['Agents SDK result', { type: 'function_call', callId: 'c1', name: 'weather', arguments: '{"city":"Lisbon"}' }, { type: 'function_call_result', callId: 'c1', name: 'weather', output: { type: 'text', text: '21 C' } }, { role: 'user', content: 'hi there' }],
    ['Anthropic', { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'weather', input: { city: 'Lisbon' } }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c1', content: '21 C' }] }, { role: 'user', content: [{ type: 'text', text: 'hi there' }] }],
    ['AI SDK UIMessage', { id: 'm1', role: 'assistant', parts: [{ type: 'step-start' }, { type: 'tool-weather', toolCallId: 'c1', state: 'output-available', input: { city: 'Lisbon' }, output: '21 C' }] }, { id: 'm2', role: 'assistant', parts: [{ type: 'tool-weather', toolCallId: 'c1', state: 'output-available', input: { city: 'Lisbon' }, output: '21 C' }] }, { id: 'm0', role: 'user', parts: [{ type: 'text', text: 'hi there' }] }],
    ['AI SDK ModelMessage', { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { city: 'Lisbon' } }] }, { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { type: 'text', value: '21 C' } }] }, { role: 'user', content: [{ type: 'text', text: 'hi there' }] }],
    ['pi-agent', { role: 'assistant', content: [{ type: 'toolCall', id: 'c1', name: 'weather', arguments: { city: 'Lisbon' } }] }, { role: 'toolResult', toolCallId: 'c1', toolName: 'weather', content: [{ type: 'text', text: '21 C' }] }, { role: 'user', content: 'hi there' }],
    ['Bedrock Converse', { role: 'assistant', content: [{ toolUse: { toolUseId: 'c1', name: 'weather', input: { city: 'Lisbon' } } }] }, { role: 'user', content: [{ toolResult: { toolUseId: 'c1', content: [{ text: '21 C' }] } }] }, { role: 'user', content: [{ text: 'hi there' }] }],
    ['Gemini (ids)', { role: 'model', parts: [{ functionCall: { id: 'c1', name: 'weather', args: { city: 'Lisbon' } } }] }, { role: 'user', parts: [{ functionResponse: { id: 'c1', name: 'weather', response: { temp: '21 C' } } }] }, { role: 'user', parts: [{ text: 'hi there' }] }],
    ['Responses local shell', { type: 'local_shell_call', call_id: 'c1', name: 'weather', action: { city: 'Lisbon' } }, { type: 'local_shell_call_output', id: 'c1', output: '21 C' }, { role: 'user', content: 'hi there' }],
    ['Responses program', { type: 'program', call_id: 'c1', code: 'weather("Lisbon")' }, { type: 'program_output', call_id: 'c1', output: '21 C' }, { role: 'user', content: 'hi there' }],
    ['MCP approval', { type: 'mcp_approval_request', id: 'c1', name: 'weather', arguments: '{"city":"Lisbon"}' }, { type: 'mcp_approval_response', approval_request_id: 'c1', approve: true, reason: '21 C ok' }, { role: 'user', content: 'hi there' }],
    ['LangChain stored', { type: 'ai', data: { content: '', tool_calls: [{ id: 'c1', name: 'weather', args: { city: 'Lisbon' }, type: 'tool_call' }] } }, { type: 'tool', data: { content: '21 C', tool_call_id: 'c1' } }, { type: 'human', data: { content: 'hi there' } }],
  ];
  it.each(cases)('%s: calls with name, arguments and id; results with what they answer; text', (name, call, result, text) => {
    expect(show(call)).toMatch(name === 'Responses program' ? /→ program\(.*Lisbon.*\) c1/ : /→ weather\(.*Lisbon.*\) c1/);
    expect(show(result)).toMatch(/c1.*21 C/);
    expect(show(text)).toMatch(/user\s+hi there/);
  });

  it('Gemini without ids: the call by name, the response names the function it answers', () => {
    expect(show({ role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Lisbon' } } }] })).toMatch(/→ weather\(.*Lisbon.*\)/);
    expect(show({ role: 'user', parts: [{ functionResponse: { name: 'weather', response: { temp: '21 C' } } }] })).toMatch(/weather: .*21 C/);
  });

  it('AI SDK tool approvals: the request and the answer', () => {
    expect(show({ role: 'assistant', content: [{ type: 'tool-approval-request', approvalId: 'ap1', toolCallId: 'c1' }] })).toMatch(/→ approval of c1\(.*\) ap1/);
    expect(show({ role: 'tool', content: [{ type: 'tool-approval-response', approvalId: 'ap1', approved: false, reason: 'no' }] })).toMatch(/ap1.*denied: no/);
  });

  it('control characters in any of them are made visible, never printed raw', () => {
    const out = show({ type: 'function_call', call_id: 'c\u001b[31m', name: 'x\u0007', arguments: '{}' });
    expect(out).not.toMatch(/[\u0007\u001b]/);
  });
});
