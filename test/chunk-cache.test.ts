import { describe, expect, it } from 'vitest';
import { ChunkCache, cloneJson } from '../src/engine/chunk-cache.js';
import type { Message } from '../src/types.js';

const chunk = (tag: string): Message[] => [{ role: 'user', content: tag }];

describe('chunk cache', () => {
  it('keeps chunks by session and position', () => {
    const c = new ChunkCache(1000);
    const a = chunk('a');
    c.store(1, 0, 100, a);
    expect(c.lookup(1, 0)).toBe(a);
    expect(c.lookup(2, 0)).toBeUndefined(); // another session's chunk at the same position
    expect(c.lookup(1, 10)).toBeUndefined();
  });

  it('evicts the least recently used chunks beyond its capacity', () => {
    const c = new ChunkCache(250);
    c.store(1, 0, 100, chunk('0'));
    c.store(1, 10, 100, chunk('10'));
    c.lookup(1, 0); // touched: now the newest
    c.store(1, 20, 100, chunk('20')); // over capacity: (1, 10) goes
    expect(c.lookup(1, 10)).toBeUndefined();
    expect(c.lookup(1, 0)?.[0]?.content).toBe('0');
    expect(c.lookup(1, 20)?.[0]?.content).toBe('20');
  });

  it('does not keep a chunk larger than the whole cache', () => {
    const c = new ChunkCache(50);
    c.store(1, 0, 100, chunk('big'));
    expect(c.lookup(1, 0)).toBeUndefined();
  });
});

describe('cloneJson', () => {
  it('copies objects and arrays deeply and keeps an own __proto__ key as data', () => {
    const parsed = JSON.parse('{"role":"assistant","tool_calls":[{"id":"a","function":{"name":"f"}}],"__proto__":{"x":1}}') as Record<string, unknown>;
    const copy = cloneJson(parsed);
    expect(copy).toEqual(parsed);
    expect(copy).not.toBe(parsed);
    expect(copy['tool_calls']).not.toBe(parsed['tool_calls']);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(copy, '__proto__')).toBe(true);
    (copy['tool_calls'] as Array<Record<string, unknown>>)[0]!['id'] = 'changed';
    expect((parsed['tool_calls'] as Array<Record<string, unknown>>)[0]!['id']).toBe('a');
  });
});
