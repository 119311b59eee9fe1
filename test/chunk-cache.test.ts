import { describe, expect, it } from 'vitest';
import { ChunkCache, cloneJson } from '../src/engine/chunk-cache.js';
import type { Message } from '../src/types.js';

const chunk = (tag: string): Message[] => [{ role: 'user', content: tag }];
const sized = (bytes: number, messages: Message[]) => ({ bytes, messages, sizes: messages.map(() => bytes / messages.length) });

describe('chunk cache', () => {
  it('keeps chunks by session and position', () => {
    const c = new ChunkCache(1000);
    const a = chunk('a');
    c.store(1, 0, sized(100, a));
    expect(c.entry(1, 0)?.messages).toBe(a);
    expect(c.entry(2, 0)).toBeUndefined(); // another session's chunk at the same position
    expect(c.entry(1, 10)).toBeUndefined();
  });

  it('evicts the least recently used chunks beyond its capacity', () => {
    const c = new ChunkCache(250);
    c.store(1, 0, sized(100, chunk('0')));
    c.store(1, 10, sized(100, chunk('10')));
    c.entry(1, 0); // touched: now the newest
    c.store(1, 20, sized(100, chunk('20'))); // over capacity: (1, 10) goes
    expect(c.entry(1, 10)).toBeUndefined();
    expect(c.entry(1, 0)?.messages[0]?.content).toBe('0');
    expect(c.entry(1, 20)?.messages[0]?.content).toBe('20');
  });

  it('does not keep a chunk larger than the whole cache', () => {
    const c = new ChunkCache(50);
    c.store(1, 0, sized(100, chunk('big')));
    expect(c.entry(1, 0)).toBeUndefined();
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

describe('readCacheBytes', () => {
  it('with the cache off, reads are the same; a bad value is INVALID_ARGUMENT', async () => {
    const { openMemorySessionLog } = await import('../src/open.js');
    const cached = openMemorySessionLog({ checkpointEvery: 2 });
    const plain = openMemorySessionLog({ checkpointEvery: 2, readCacheBytes: 0 });
    for (const log of [cached, plain]) {
      for (let i = 0; i < 9; i++) await log.addMessage('k', i % 2 ? 'assistant' : 'user', `m${i}`);
      await log.truncateHistory('k', 6);
    }
    expect(await plain.getHistory('k')).toEqual(await cached.getHistory('k'));
    expect((await plain.getHistory('k')).map((m) => m.content)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    expect(() => openMemorySessionLog({ readCacheBytes: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await Promise.all([cached.close(), plain.close()]);
  });
});
