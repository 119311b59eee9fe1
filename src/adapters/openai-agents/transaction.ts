import { UserError } from '@openai/agents-core';
import type { Message } from '../../types.js';
import { encodeItems } from './items.js';

/** A transaction after its arguments were read once, checked and encoded as turnlog stores items. */
export type CheckedTransaction =
  | { type: 'append_items'; items: Message[] }
  | { type: 'replace_suffix'; expectedSuffix: Message[]; replacement: Message[] };

/**
 * Reads `{ operationId, transaction }` exactly once (a getter is not asked twice) and checks it
 * completely before the store is touched, with the SDK's reference session's messages.
 */
export function checkTransactionArgs(args: unknown): { operationId: string; transaction: CheckedTransaction } {
  let operationId: unknown;
  let transaction: unknown;
  try {
    if (args === null || typeof args !== 'object') throw new Error('no arguments');
    operationId = Reflect.get(args, 'operationId');
    transaction = Reflect.get(args, 'transaction');
  } catch {
    throw new UserError('Session history transaction arguments are invalid.');
  }
  if (typeof operationId !== 'string' || operationId.trim() === '') {
    throw new UserError('Session history transaction operationId must be a non-empty string.');
  }
  if (transaction === null || typeof transaction !== 'object') throw new UserError('Session history transaction must be an object.');
  let fields: Record<string, unknown>;
  try {
    fields = {};
    for (const key of Reflect.ownKeys(transaction)) {
      if (typeof key !== 'string') throw new Error('symbol key');
      fields[key] = Reflect.get(transaction, key);
    }
  } catch {
    throw new UserError('Session history transaction items contain invalid or unsupported data.');
  }
  const keys = Object.keys(fields).sort().join(',');
  if (fields.type === 'append_items') {
    if (keys !== 'items,type' || !Array.isArray(fields.items)) throw new UserError('Session history append transaction fields are invalid.');
    return { operationId, transaction: { type: 'append_items', items: encodeItems(fields.items, 'Session history transaction items', true) } };
  }
  if (fields.type === 'replace_suffix') {
    if (keys !== 'expectedSuffix,replacement,type' || !Array.isArray(fields.expectedSuffix) || !Array.isArray(fields.replacement)) {
      throw new UserError('Session history suffix transaction fields are invalid.');
    }
    return {
      operationId,
      transaction: {
        type: 'replace_suffix',
        expectedSuffix: encodeItems(fields.expectedSuffix, 'Session history transaction items', true),
        replacement: encodeItems(fields.replacement, 'Session history transaction items', true),
      },
    };
  }
  throw new UserError('Unsupported session history transaction type.');
}
