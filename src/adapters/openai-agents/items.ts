import { protocol, UserError } from '@openai/agents-core';
import type { AgentInputItem } from '@openai/agents-core';
import type { Message } from '../../types.js';

/**
 * Items as turnlog stores them: plain JSON. A `Uint8Array` (image or file bytes in a tool output,
 * provider data) becomes its base64 string, which the SDK's item schemas accept wherever they
 * accept bytes (`data: string | Uint8Array`); every other value that JSON cannot carry exactly
 * (Date, BigInt, Map, class instances, functions, symbols, cycles, sparse arrays, accessors,
 * other typed arrays, non-finite numbers) is refused before anything is written, so that what
 * is stored is what is read back and a retried transaction compares equal to its first try.
 * Transactions also check each item against the SDK's item schema, as its reference session
 * does; plain `addItems` stores any object, so an item type newer than this check is kept.
 */
export function encodeItems(items: unknown, what: string, checkSchema = false): Message[] {
  if (!Array.isArray(items)) throw new UserError(`${what} must be an array of items.`);
  let encoded: unknown;
  try {
    // structuredClone refuses what toJson cannot see through (a Proxy, for one).
    structuredClone(items);
    encoded = toJson(items, new WeakSet());
  } catch {
    // The message never repeats the content: item data may be secret.
    throw new UserError(`${what} contain invalid or unsupported data.`);
  }
  const list = encoded as unknown[];
  for (const item of list) {
    if (item === null || typeof item !== 'object' || Array.isArray(item) || (checkSchema && !protocol.ModelItem.safeParse(item).success)) {
      throw new UserError(`${what} contain invalid or unsupported data.`);
    }
  }
  return list as Message[];
}

function toJson(value: unknown, ancestors: WeakSet<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('non-finite number');
    return value;
  }
  if (typeof value !== 'object') throw new Error('unsupported value');
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  }
  if (ancestors.has(value)) throw new Error('cycle');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      const keys = Reflect.ownKeys(value);
      if (keys.length !== value.length + 1) throw new Error('sparse or decorated array');
      for (let i = 0; i < value.length; i++) {
        const d = Object.getOwnPropertyDescriptor(value, i);
        if (d === undefined || !('value' in d)) throw new Error('array hole or accessor');
        out.push(d.value === undefined ? null : toJson(d.value, ancestors));
      }
      return out;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new Error('not a plain object');
    const out: Record<string, unknown> = {};
    for (const key of Reflect.ownKeys(value)) {
      if (typeof key !== 'string') throw new Error('symbol key');
      const d = Object.getOwnPropertyDescriptor(value, key);
      if (d === undefined || !d.enumerable || !('value' in d)) throw new Error('hidden or accessor property');
      // An undefined field is absent in JSON; dropping it keeps retries comparable.
      if (d.value === undefined) continue;
      Object.defineProperty(out, key, { value: toJson(d.value, ancestors), enumerable: true, writable: true, configurable: true });
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

/** Equality of two JSON values, key order ignored. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const rb = b as Record<string, unknown>;
  const ra = a as Record<string, unknown>;
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(rb, k) && sameJson(ra[k], rb[k]));
}

/** Items handed to the caller are its own: later changes to them never reach the store. */
export function copyItems(messages: readonly Message[]): AgentInputItem[] {
  return messages.map((m) => structuredClone(m) as unknown as AgentInputItem);
}
