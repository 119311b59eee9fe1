import { describe, expect, it } from 'vitest';
import { LIST_SCAN_LIMIT } from '../src/engine/listing.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { openSessionLogOn } from '../src/open.js';
import { CountingBackend } from './support/counting-backend.js';

/**
 * A listSessions call examines a bounded number of recency-index entries, counted in rows read
 * (never timed): a prefix few sessions match used to walk the whole index in one synchronous call.
 */
const OTHERS = 2 * LIST_SCAN_LIMIT + 100;

async function store(backend: CountingBackend): Promise<SessionLog> {
  let now = 1_000;
  const log = openSessionLogOn(backend, { clock: () => now++ });
  await log.addMessage('rare:old', 'user', 'x');
  for (let i = 0; i < OTHERS; i += 500) await Promise.all(Array.from({ length: Math.min(500, OTHERS - i) }, (_, j) => log.addMessage(`chat:${i + j}`, 'user', 'hi')));
  await log.addMessage('rare:new', 'user', 'x');
  return log;
}

async function walk(log: SessionLog, opts: { prefix?: string; limit?: number }): Promise<{ keys: string[]; calls: number; sizes: number[] }> {
  const keys: string[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  let calls = 0;
  do {
    const page = await log.listSessions({ ...opts, ...(cursor === undefined ? {} : { cursor }) });
    calls++;
    sizes.push(page.sessions.length);
    keys.push(...page.sessions.map((s) => s.key));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { keys, calls, sizes };
}

describe('listSessions bounds the index entries one call examines', () => {
  it('a rare prefix returns pages of fewer sessions, with a cursor, and the walk finds them all', async () => {
    const backend = new CountingBackend();
    const log = await store(backend);
    backend.reset();
    const first = await log.listSessions({ prefix: 'rare:', limit: 50 });
    // The index entries, and each one's head: about two reads an entry, never the whole index.
    expect(backend.rowsRead).toBeLessThanOrEqual(2 * LIST_SCAN_LIMIT + 10);
    expect(first.sessions.map((s) => s.key)).toEqual(['rare:new']);
    expect(first.cursor).toBeDefined();
    const second = await log.listSessions({ prefix: 'rare:', limit: 50, cursor: first.cursor as string });
    expect(second.sessions).toEqual([]);
    expect(second.cursor).toBeDefined();
    const all = await walk(log, { prefix: 'rare:', limit: 50 });
    expect(all.keys).toEqual(['rare:new', 'rare:old']);
    expect(all.calls).toBe(Math.ceil((OTHERS + 2) / LIST_SCAN_LIMIT));
    await log.close();
  });

  it('pages without a prefix, or with one every session matches, are full as before', async () => {
    const backend = new CountingBackend();
    const log = await store(backend);
    const everything = await walk(log, { limit: 10_000 });
    expect(everything.sizes).toEqual([OTHERS + 2]);
    const chat = await walk(log, { prefix: 'chat:', limit: 1000 });
    expect(chat.keys).toHaveLength(OTHERS);
    expect(chat.sizes.slice(0, -1).every((n) => n === 1000)).toBe(true);
    // Whatever the page size, a walk with a prefix lists what filtering the full list gives.
    const filtered = everything.keys.filter((k) => k.startsWith('rare:'));
    for (const limit of [1, 2, 3, 5000]) expect((await walk(log, { prefix: 'rare:', limit })).keys).toEqual(filtered);
    expect((await walk(log, { prefix: 'none', limit: 10 })).keys).toEqual([]);
    await log.close();
  });
});
