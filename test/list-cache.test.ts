import { describe, expect, it } from 'vitest';
import { openSessionLogOn } from '../src/open.js';
import { encodeRecentEntry } from '../src/core/codec.js';
import { recentKey } from '../src/core/layout.js';
import { CountingBackend } from './support/counting-backend.js';

/** Session states cached by [sid, version] (src/engine/info-cache.ts), counted in rows read. */
describe('cached session states', () => {
  it('a listing of sessions already seen at their version reads only the recency index', async () => {
    const backend = new CountingBackend();
    const log = openSessionLogOn(backend);
    for (let s = 0; s < 200; s++) await log.updateMetadata(`s${s}`, { n: s, tags: ['a', { deep: s }] }, { at: s + 1 });
    const first = await log.listSessions({ limit: 50 });
    backend.reset();
    const again = await log.listSessions({ limit: 50 });
    // 50 entries and the look-ahead one (this log wrote them all): no head, no state
    expect(backend.rowsRead).toBe(51);
    expect(again).toEqual(first);
    await log.close();
  });

  it('getSession at the current version reads the directory and the head only, once cached', async () => {
    const backend = new CountingBackend();
    const log = openSessionLogOn(backend);
    await log.updateMetadata('k', { a: 1 });
    const first = await log.getSession('k');
    backend.reset();
    expect(await log.getSession('k')).toEqual(first);
    expect(backend.rowsRead).toBe(2);
    await log.close();
  });

  it('sessions this log wrote list without reading their heads or states', async () => {
    const backend = new CountingBackend();
    const log = openSessionLogOn(backend);
    for (let s = 0; s < 60; s++) await log.updateMetadata(`s${s}`, { n: s }, { at: s + 1 });
    await log.listSessions({ limit: 50 });
    // appends (state unchanged), metadata changes and summaries to sessions already listed
    for (let s = 30; s < 60; s++) await log.addMessage(`s${s}`, 'user', `hello ${s}`, { at: 100 + s });
    for (let s = 40; s < 50; s++) await log.updateMetadata(`s${s}`, { n: -s, extra: true }, { at: 200 + s });
    await log.setSummary('s55', 'a summary', { at: 300 });
    backend.reset();
    const page = await log.listSessions({ limit: 20 });
    // 20 entries and the look-ahead one: no head, no state
    expect(backend.rowsRead).toBe(21);
    expect(page.sessions[0]).toMatchObject({ key: 's55', summary: 'a summary', metadata: { n: 55 }, messageCount: 1, version: 3 });
    expect(page.sessions[1]).toMatchObject({ key: 's49', metadata: { n: -49, extra: true }, messageCount: 1, version: 3 });
    const plain = openSessionLogOn(backend, { readCacheBytes: 0 });
    expect(page).toEqual(await plain.listSessions({ limit: 20 }));
    await plain.close();
    await log.close();
  });

  it('another log writing to the same store is seen at once: a new version is a new cache key', async () => {
    const backend = new CountingBackend();
    const a = openSessionLogOn(backend);
    const b = openSessionLogOn(backend);
    await a.updateMetadata('k', { who: 'a' });
    expect((await a.listSessions()).sessions[0]?.metadata).toEqual({ who: 'a' });
    expect((await a.getSession('k'))?.metadata).toEqual({ who: 'a' });
    await b.updateMetadata('k', { who: 'b' });
    await b.setSummary('k', 'from b');
    const listed = (await a.listSessions()).sessions[0];
    expect(listed?.metadata).toEqual({ who: 'b' });
    expect(listed?.summary).toBe('from b');
    expect((await a.getSession('k'))?.version).toBe(3);
    await a.close();
    await b.close();
  });

  it('callers get their own objects: changing one never changes what the next read returns', async () => {
    const log = openSessionLogOn(new CountingBackend());
    await log.updateMetadata('k', { tags: ['x'], nested: { n: 1 } });
    await log.listSessions();
    const listed = (await log.listSessions()).sessions[0];
    (listed?.metadata['tags'] as string[]).push('mutated');
    (listed?.metadata['nested'] as Record<string, number>)['n'] = 2;
    const got = await log.getSession('k');
    (got?.metadata['tags'] as string[]).push('again');
    expect((await log.listSessions()).sessions[0]?.metadata).toEqual({ tags: ['x'], nested: { n: 1 } });
    expect((await log.getSession('k'))?.metadata).toEqual({ tags: ['x'], nested: { n: 1 } });
    await log.close();
  });

  it('entries written before the version was stored there (empty) are listed by reading the head', async () => {
    const backend = new CountingBackend();
    const log = openSessionLogOn(backend);
    await log.updateMetadata('k', { a: 1 }, { at: 5 });
    await backend.write((tx) => tx.put('recent', recentKey(5, 1), new Uint8Array(0)));
    const fresh = openSessionLogOn(backend);
    expect((await fresh.listSessions()).sessions.map((s) => [s.key, s.metadata])).toEqual([['k', { a: 1 }]]);
    expect((await fresh.verify()).mismatches).toEqual([]);
    await log.close();
    await fresh.close();
  });

  it('verify reports a recency entry that names another version than the head', async () => {
    const backend = new CountingBackend();
    const log = openSessionLogOn(backend);
    await log.updateMetadata('k', { a: 1 }, { at: 5 });
    await backend.write((tx) => tx.put('recent', recentKey(5, 1), encodeRecentEntry(7)));
    const report = await log.verify();
    expect(report.mismatches.map((m) => m.problem)).toEqual(['the recency index names version 7, the head is at 1']);
    await log.close();
  });
});
