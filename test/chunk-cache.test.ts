import { describe, expect, it } from 'vitest';
import { ChunkCache, cloneJson } from '../src/engine/chunk-cache.js';
import type { Message } from '../src/types.js';

const bytes = (n: number) => new Uint8Array(n);

function counting() {
  let decodes = 0;
  const decode = (b: Uint8Array): Message[] => {
    decodes++;
    return [{ role: 'user', content: `len ${b.byteLength}` }];
  };
  return { decode, decodes: () => decodes };
}

describe('chunk cache', () => {
  it('decodes a chunk once and serves it from memory afterwards', () => {
    const c = new ChunkCache(1000);
    const d = counting();
    const first = c.get(1, 0, bytes(100), d.decode);
    expect(c.get(1, 0, bytes(100), d.decode)).toBe(first);
    expect(d.decodes()).toBe(1);
    c.get(2, 0, bytes(100), d.decode); // another session's chunk at the same position
    expect(d.decodes()).toBe(2);
  });

  it('evicts the least recently used chunks beyond its capacity', () => {
    const c = new ChunkCache(250);
    const d = counting();
    c.get(1, 0, bytes(100), d.decode);
    c.get(1, 10, bytes(100), d.decode);
    c.get(1, 0, bytes(100), d.decode); // touch: now the newest
    c.get(1, 20, bytes(100), d.decode); // over capacity: (1, 10) goes
    expect(d.decodes()).toBe(3);
    c.get(1, 0, bytes(100), d.decode);
    c.get(1, 20, bytes(100), d.decode);
    expect(d.decodes()).toBe(3);
    c.get(1, 10, bytes(100), d.decode);
    expect(d.decodes()).toBe(4);
  });

  it('with capacity 0, or for a chunk larger than the cache, always decodes', () => {
    const off = new ChunkCache(0);
    const d = counting();
    off.get(1, 0, bytes(10), d.decode);
    off.get(1, 0, bytes(10), d.decode);
    const small = new ChunkCache(50);
    small.get(1, 0, bytes(100), d.decode);
    small.get(1, 0, bytes(100), d.decode);
    expect(d.decodes()).toBe(4);
  });

  it('a stored chunk of another size under the same key is decoded again, never served stale', () => {
    const c = new ChunkCache(1000);
    const d = counting();
    c.get(1, 0, bytes(100), d.decode);
    expect(c.get(1, 0, bytes(120), d.decode)[0]?.content).toBe('len 120');
    expect(d.decodes()).toBe(2);
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
