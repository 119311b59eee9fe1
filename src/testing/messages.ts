import { expect } from 'vitest';
import { TurnlogError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { Message } from '../types.js';

/** The contents of messages, for comparing histories by what they say. */
export const texts = (messages: Message[]): unknown[] => messages.map((m) => m.content);

/** A user turn with one tool call and its result. */
export function toolTurn(question: string, callId: string): Message[] {
  return [
    { role: 'user', content: question },
    { role: 'assistant', content: '', tool_calls: [{ id: callId, type: 'function', function: { name: 'search', arguments: '{"q":"x"}' } }] },
    { role: 'tool', content: 'result', tool_call_id: callId },
    { role: 'assistant', content: 'answer' },
  ];
}

/** Awaits `p` (or calls it: a synchronous throw counts) and expects a TurnlogError with `code`, which it returns. */
export async function expectCode(p: Promise<unknown> | (() => unknown), code: ErrorCode): Promise<TurnlogError> {
  let error: unknown;
  try {
    if (typeof p === 'function') await p();
    else await p;
  } catch (e) {
    error = e;
  }
  expect(error, `expected a TurnlogError ${code}`).toBeInstanceOf(TurnlogError);
  expect((error as TurnlogError).code).toBe(code);
  return error as TurnlogError;
}
