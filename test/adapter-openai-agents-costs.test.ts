import { expect, it } from 'vitest';
import type { AgentInputItem } from '@openai/agents-core';
import { TurnlogSession } from '../src/adapters/openai-agents/index.js';
import { openSessionLogOn } from '../src/open.js';
import { CountingBackend } from './support/counting-backend.js';

/** getItems(limit) and popItem cost what the newest-message operations cost, not the history's length. */
const item = (i: number): AgentInputItem => ({ role: 'user', content: `item ${i} `.padEnd(200, 'x') });

it('getItems(limit) reads O(limit) rows and popItem writes O(1) bytes, at 1,000 and 10,000 items', async () => {
  const costs: Array<{ rows: number; bytes: number }> = [];
  for (const length of [1_000, 10_000]) {
    const backend = new CountingBackend();
    // No read caches: the rows a read costs the store, not what this process happens to hold.
    const log = openSessionLogOn(backend, { checkpointEvery: 4, readCacheBytes: 0 });
    const session = new TurnlogSession({ log, sessionId: 'k' });
    for (let i = 0; i < length; i += 500) await session.addItems(Array.from({ length: 500 }, (_, j) => item(i + j)));
    backend.reset();
    expect(await session.getItems(5)).toEqual([length - 5, length - 4, length - 3, length - 2, length - 1].map(item));
    const rows = backend.rowsRead;
    backend.reset();
    expect(await session.popItem()).toEqual(item(length - 1));
    costs.push({ rows, bytes: backend.bytesWritten });
    await log.close();
  }
  const [small, large] = costs as [{ rows: number; bytes: number }, { rows: number; bytes: number }];
  expect(large.rows, JSON.stringify(costs)).toBeLessThanOrEqual(small.rows + 2);
  // A few bytes more for longer numbers and positions, nothing that grows with the history.
  expect(large.bytes, JSON.stringify(costs)).toBeLessThanOrEqual(small.bytes + 64);
  // One item is ~220 bytes: a pop that rewrote the history would write megabytes.
  expect(large.bytes).toBeLessThan(1_000);
});
