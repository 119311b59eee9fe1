import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openMemorySessionLog } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { exportJsonl } from '../src/import/export-jsonl.js';
import { importTurnlogJsonl } from '../src/import/turnlog-jsonl.js';
import type { ImportReport } from '../src/import/types.js';
import { collect } from './support/collect.js';

/**
 * Regressions of the jsonl round trip: capped stores (recorded cuts replayed exactly, a
 * consistent report), event ids kept across export → import (collected ones too, with the
 * fingerprint of the change as first described), and retries of removals GC collected.
 */
const dir = mkdtempSync(join(tmpdir(), 'turnlog-ids-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function dump(src: SessionLog): Promise<string> {
  const keys = (await src.listSessions({ limit: 1000 })).sessions.map((s) => s.key);
  let text = '';
  await exportJsonl(src, keys, (s) => (text += s));
  const file = join(dir, `dump-${++n}.jsonl`);
  writeFileSync(file, text);
  return file;
}

async function copyOf(src: SessionLog, options: { maxMessages?: number } = {}): Promise<{ dst: SessionLog; report: ImportReport }> {
  const dst = openMemorySessionLog(options);
  const report = await importTurnlogJsonl(dst, await dump(src));
  return { dst, report };
}

const contents = async (log: SessionLog, key: string): Promise<unknown[]> => (await log.getHistory(key)).map((m) => m.content);

describe('a store with maxMessages round-trips through jsonl', () => {
  async function capped(): Promise<SessionLog> {
    const src = openMemorySessionLog({ maxMessages: 3 });
    await src.addMessage('s', 'user', 'u0');
    await src.addMessage('s', 'assistant', 'a0');
    await src.addMessage('s', 'assistant', 'a0b');
    await src.addMessage('s', 'user', 'u1'); // v4, and the cap's truncation v5 (cut forward to u1)
    expect(await contents(src, 's')).toEqual(['u1']);
    return src;
  }

  for (const target of [undefined, 3, 1]) {
    it(`into a store with maxMessages ${String(target)}: the same history, the same events, reported imported`, async () => {
      const src = await capped();
      const { dst, report } = await copyOf(src, target === undefined ? {} : { maxMessages: target });
      expect(report.problems).toEqual([]);
      expect(report.sessions).toMatchObject([{ key: 's', status: 'imported', events: 5, messages: 1 }]);
      expect(await contents(dst, 's')).toEqual(['u1']);
      expect(await collect(dst.readEvents('s'))).toEqual(await collect(src.readEvents('s')));
      await src.close();
      await dst.close();
    });
  }

  it('a session the import wrote to and then stopped is reported incomplete with what was written, never skipped', async () => {
    const src = openMemorySessionLog();
    await src.addMessage('s', 'user', 'short');
    await src.addMessage('s', 'user', 'x'.repeat(5000));
    const dst = openMemorySessionLog({ maxMessageBytes: 1024 });
    const report = await importTurnlogJsonl(dst, await dump(src));
    expect(report.sessions).toMatchObject([{ key: 's', status: 'incomplete', events: 1, messages: 1 }]);
    expect(report.sessions[0]?.note).toMatch(/1 events were written/);
    expect(report.problems.filter((p) => p.fatal)).toHaveLength(1);
    await src.close();
    await dst.close();
  });
});

describe('event ids survive export → import', () => {
  it('an id GC collected: a retry is a duplicate in the copy and in a copy of the copy', async () => {
    const src = openMemorySessionLog({ replayWindow: 0, checkpointEvery: 1 });
    await src.addMessage('s', 'user', 'hello', { eventId: 'e1' });
    await src.addMessage('s', 'assistant', 'hi');
    await src.addMessage('s', 'user', 'more');
    await src.gc();
    expect(await collect(src.readEvents('s'))).toHaveLength(0); // everything collected: the base line holds it
    expect((await src.addMessage('s', 'user', 'hello', { eventId: 'e1' })).duplicate).toBe(true);
    const { dst } = await copyOf(src);
    const { dst: again } = await copyOf(dst);
    for (const log of [dst, again]) {
      expect((await log.addMessage('s', 'user', 'hello', { eventId: 'e1' })).duplicate).toBe(true);
      expect(await contents(log, 's')).toEqual(['hello', 'hi', 'more']);
      await expect(log.addMessage('s', 'user', 'other', { eventId: 'e1' })).rejects.toMatchObject({ code: 'CONFLICT' });
    }
    await Promise.all([src.close(), dst.close(), again.close()]);
  });

  it('setSummary with `through` after a GC base: the retry is a duplicate in the copy, not a CONFLICT', async () => {
    let now = 1000;
    const src = openMemorySessionLog({ replayWindow: 0, checkpointEvery: 2, clock: () => now });
    await src.addMessage('s', 'user', 'm0'); // v1
    await src.setSummary('s', 'early'); // v2 (checkpoint)
    now = 5000;
    await src.addMessage('s', 'user', 'm2'); // v3
    await src.setSummary('s', 'up to m2', { through: 3, eventId: 'sum' }); // v4
    // Base v2, written as three events in the copy (history, summary, metadata): v4's `through`
    // (3) becomes 4 there.
    await src.gc({ now: 4000 });
    expect((await collect(src.readEvents('s')))[0]?.version).toBe(3);
    const retry = (log: SessionLog): Promise<unknown> => log.setSummary('s', 'up to m2', { through: 3, eventId: 'sum' }).then((r) => r.duplicate);
    expect(await retry(src)).toBe(true);
    const { dst, report } = await copyOf(src);
    expect(report.problems).toEqual([]);
    expect((await dst.getSession('s'))?.version).not.toBe(4); // the versions did shift
    const { dst: again } = await copyOf(dst);
    expect(await retry(dst)).toBe(true);
    expect(await retry(again)).toBe(true);
    await Promise.all([src.close(), dst.close(), again.close()]);
  });
});

describe('a retried removal whose event GC collected', () => {
  it('removeLast and replaceLast resolve as duplicates with removed: []', async () => {
    const log = openMemorySessionLog({ replayWindow: 0, checkpointEvery: 1 });
    await log.addMessages('s', [
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
      { role: 'user', content: 'c' },
    ]);
    const first = await log.removeLast('s', 1, { eventId: 'rm' });
    expect(first.removed.map((m) => m.content)).toEqual(['c']);
    const second = await log.replaceLast('s', 1, [{ role: 'assistant', content: 'B' }], { eventId: 'rp' });
    expect(second.removed.map((m) => m.content)).toEqual(['b']);
    // Before GC a retry reads back what it removed.
    expect((await log.removeLast('s', 1, { eventId: 'rm' })).removed.map((m) => m.content)).toEqual(['c']);
    await log.addMessage('s', 'user', 'd');
    await log.gc();
    expect(await log.removeLast('s', 1, { eventId: 'rm' })).toEqual({ version: first.version, duplicate: true, removed: [] });
    expect(await log.replaceLast('s', 1, [{ role: 'assistant', content: 'B' }], { eventId: 'rp' })).toEqual({ version: second.version, duplicate: true, removed: [] });
    expect(await contents(log, 's')).toEqual(['a', 'B', 'd']);
    await log.close();
  });
});

describe('the id fields of a dump are checked', () => {
  const line = (o: object): string => `${JSON.stringify(o)}\n`;
  const base = { key: 's', type: 'session.base', version: 2, createdAt: 1, at: 2, summary: '', metadata: {}, messages: [{ role: 'user', content: 'm' }] };
  for (const [what, text] of [
    ['a fingerprint that is not 32 hex digits', line({ key: 's', version: 1, at: 1, type: 'messages.added', from: 0, messages: [], eventId: 'e', fingerprint: 'x' })],
    ['eventIds that is not an array', line({ ...base, eventIds: 'e' })],
    ['an eventIds entry without a digest', line({ ...base, eventIds: [{ version: 1 }] })],
    ['an eventIds entry with a bad fingerprint', line({ ...base, eventIds: [{ digest: 'a'.repeat(64), version: 1, fingerprint: 7 }] })],
  ] as const) {
    it(`${what}: the session is skipped with a fatal problem, nothing written`, async () => {
      const file = join(dir, `bad-${++n}.jsonl`);
      writeFileSync(file, text);
      const dst = openMemorySessionLog();
      const report = await importTurnlogJsonl(dst, file);
      expect(report.sessions).toMatchObject([{ key: 's', status: 'skipped', events: 0 }]);
      expect(report.problems.filter((p) => p.fatal)).toHaveLength(1);
      expect(await dst.getSession('s')).toBeUndefined();
      await dst.close();
    });
  }
});
