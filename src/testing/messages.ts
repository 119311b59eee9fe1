import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { TurnlogError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { Message } from '../types.js';

/** The contents of messages, for comparing histories by what they say. */
export const texts = (messages: Message[]): unknown[] => messages.map((m) => m.content);

/**
 * `length` characters that do not compress (base64 of a SHA-256 chain, the same for the same
 * seed): for sizes that must reflect what was written on a store that compresses what it seals.
 */
export function noiseText(seed: string, length: number): string {
  let out = '';
  for (let h = seed; out.length < length; ) {
    h = createHash('sha256').update(h).digest('base64');
    out += h;
  }
  return out.slice(0, length);
}

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
