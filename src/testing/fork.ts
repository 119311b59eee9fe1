import { expect, it } from 'vitest';
import type { StoreHarnessFactory } from './harness.js';
import { perTestStore } from './per-test.js';
import type { SessionLog } from '../engine/session-log.js';
import type { Message } from '../types.js';
import { expectCode, texts, toolTurn } from './messages.js';
import { collect } from './collect.js';
import { replayEvents } from './replay.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { exportJsonl } from '../import/export-jsonl.js';
import { importTurnlogJsonl } from '../import/turnlog-jsonl.js';

const HOUR = 3_600_000;
const msg = (content: string, role = 'user'): Message => ({ role, content });

/**
 * A session that went through every kind of event: appends, a tool turn, a safe truncation, a
 * summary with `through`, metadata, removals and replacements of the newest messages (across
 * checkpoints with `checkpointEvery: 4`), a replaced history. Returns its version.
 */
export async function everyEventType(log: SessionLog, key: string): Promise<number> {
  for (let i = 0; i < 5; i++) await log.addMessage(key, i % 2 === 0 ? 'user' : 'assistant', `a${i}`);
  await log.addMessages(key, toolTurn('why?', 'c1'));
  await log.updateMetadata(key, { model: 'm1', n: 1, nested: { x: [1, 2] } });
  await log.truncateHistory(key, 6, { safe: true });
  const seen = (await log.getSession(key))?.version ?? 0;
  await log.addMessage(key, 'user', 'later');
  await log.setSummary(key, 'a summary', { through: seen });
  await log.removeLast(key, 1);
  await log.replaceLast(key, 1, [msg('answer', 'assistant'), msg('more')]);
  await log.updateMetadata(key, { n: 2, model: null, added: true });
  await log.replaceLast(key, 2, [msg('answer', 'assistant'), msg('more')]); // the same content, other messages
  await log.addMessages(key, [msg('b0'), msg('b1', 'assistant')]);
  await log.setSummary(key, 'second summary');
  await log.setHistory(key, [msg('fresh'), msg('start', 'assistant')]);
  await log.addMessage(key, 'user', 'c0');
  await log.removeLast(key, 2);
  return (await log.getSession(key))?.version ?? 0;
}

/** forkSession on every store: an exact copy at a version, with its lineage, the source untouched. */
export function forkConformance(factory: StoreHarnessFactory): void {
  const t = perTestStore(factory);
  const open = t.open;

  const viewAt = async (log: SessionLog, key: string, atVersion?: number) => {
    const o = atVersion === undefined ? {} : { atVersion };
    const info = await log.getSession(key, o);
    return { history: await log.getHistory(key, o), summary: await log.getSummary(key, o), metadata: info?.metadata ?? {}, messageCount: info?.messageCount ?? 0 };
  };

  it('copies history, summary and metadata exactly at every version, and records the origin', async () => {
    const log = await open();
    const head = await everyEventType(log, 'src');
    const sourceEvents = await collect(log.readEvents('src'));
    for (let v = 0; v <= head; v++) {
      t.now += 1000;
      const r = await log.forkSession('src', `f${v}`, { atVersion: v });
      expect(r).toEqual({ version: 1, forkedFrom: { key: 'src', version: v }, messageCount: (await log.getHistory('src', { atVersion: v })).length });
      expect(await viewAt(log, `f${v}`), `fork at v${v}`).toEqual(await viewAt(log, 'src', v));
      const events = await collect(log.readEvents(`f${v}`));
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ version: 1, at: t.now, type: 'session.forked', forkedFrom: { key: 'src', version: v } });
      // The fork event alone folds to the copy (readers without the engine see the same).
      expect(replayEvents(events)[1]?.history).toEqual(await log.getHistory('src', { atVersion: v }));
      const [step] = await collect(log.replay(`f${v}`));
      expect(step?.added).toEqual(await log.getHistory('src', { atVersion: v }));
      expect(step?.summary).toBe(await log.getSummary('src', { atVersion: v }));
      expect((await log.getSession(`f${v}`))?.version).toBe(1);
    }
    // The source is untouched: same log, same views.
    expect(await collect(log.readEvents('src'))).toEqual(sourceEvents);
    expect((await log.getSession('src'))?.version).toBe(head);
    expect((await log.verify()).ok).toBe(true);
  });

  it('forks the current version by default, and the fork lives on independently', async () => {
    const log = await open();
    await log.addMessages('a', [msg('q'), msg('r', 'assistant')]);
    await log.setSummary('a', 'S');
    await log.updateMetadata('a', { k: 1 });
    const r = await log.forkSession('a', 'b');
    expect(r).toEqual({ version: 1, forkedFrom: { key: 'a', version: 3 }, messageCount: 2 });
    await log.addMessage('b', 'user', 'on b');
    await log.addMessage('a', 'user', 'on a');
    expect(texts(await log.getHistory('a'))).toEqual(['q', 'r', 'on a']);
    expect(texts(await log.getHistory('b'))).toEqual(['q', 'r', 'on b']);
    // The fork's positions are the source's: its cuts and removals behave as on the source.
    await log.removeLast('b', 2);
    expect(texts(await log.getHistory('b'))).toEqual(['q']);
    await log.replaceLast('b', 1, [msg('q2')]);
    const seen = (await log.getSession('b'))?.version ?? 0;
    await log.addMessage('b', 'assistant', 'x');
    await log.setSummary('b', 'S2', { through: seen });
    expect(texts(await log.getHistory('b'))).toEqual(['x']);
    expect(texts(await log.getHistory('b', { atVersion: 1 }))).toEqual(['q', 'r']);
    expect((await log.getSession('b'))?.metadata).toEqual({ k: 1 });
    for (let i = 0; i < 9; i++) await log.addMessage('b', 'user', `n${i}`); // past checkpoints
    expect(texts(await log.getHistory('b', { last: 2 }))).toEqual(['n7', 'n8']);
    expect((await log.verify()).ok).toBe(true);
    await log.close();
    const again = await open();
    expect(texts(await again.getHistory('b'))).toEqual(['x', ...Array.from({ length: 9 }, (_, i) => `n${i}`)]);
    expect((await collect(again.readEvents('b')))[0]).toMatchObject({ type: 'session.forked', forkedFrom: { key: 'a', version: 3 } });
  });

  it('forks a fork, and at version 0 (an empty session) and 1', async () => {
    const log = await open();
    await log.addMessages('a', [msg('1'), msg('2')]);
    await log.addMessage('a', 'user', '3');
    await log.forkSession('a', 'b', { atVersion: 1 });
    await log.addMessage('b', 'assistant', 'b-only');
    expect(await log.forkSession('b', 'c')).toEqual({ version: 1, forkedFrom: { key: 'b', version: 2 }, messageCount: 3 });
    expect(texts(await log.getHistory('c'))).toEqual(['1', '2', 'b-only']);
    expect((await collect(log.readEvents('c')))[0]).toMatchObject({ type: 'session.forked', forkedFrom: { key: 'b', version: 2 }, from: 0 });
    expect(await log.forkSession('a', 'empty', { atVersion: 0 })).toEqual({ version: 1, forkedFrom: { key: 'a', version: 0 }, messageCount: 0 });
    expect(await log.getHistory('empty')).toEqual([]);
    expect(await log.getSession('empty')).toMatchObject({ version: 1, messageCount: 0, summary: '', metadata: {} });
    expect(texts(await log.getHistory('b', { atVersion: 1 }))).toEqual(['1', '2']);
  });

  it('keeps the cut a summary made: the same window, at the same positions', async () => {
    const log = await open();
    await log.addMessages('a', [msg('1'), msg('2', 'assistant')]);
    await log.addMessages('a', [msg('3'), msg('4', 'assistant')]);
    await log.setSummary('a', 'first two', { through: 1 });
    await log.addMessage('a', 'user', '5');
    await log.truncateHistory('a', 2);
    await log.forkSession('a', 'b');
    const [fork] = await collect(log.readEvents('b'));
    expect(fork).toMatchObject({ type: 'session.forked', from: 3, summary: 'first two' });
    expect(texts(await log.getHistory('b'))).toEqual(['4', '5']);
    // a later `through` cut in the fork counts the copied messages as placed at version 1
    await log.addMessage('b', 'assistant', '6');
    await log.setSummary('b', 'up to the fork', { through: 1 });
    expect(texts(await log.getHistory('b'))).toEqual(['6']);
  });

  it('copies odd JSON exactly: an own __proto__ key, lone surrogates, big and small numbers', async () => {
    const log = await open();
    const odd = JSON.parse('{"role":"user","content":"\\ud800 \\u0000 é","__proto__":{"x":1},"n":[1e21,5e-324,-0.5]}') as Message;
    await log.addMessages('a', [odd, msg('plain')]);
    await log.updateMetadata('a', JSON.parse('{"__proto__":{"y":2},"s":"\\udfff"}') as Record<string, unknown>);
    await log.forkSession('a', 'b');
    const [src, copy] = [await log.getHistory('a'), await log.getHistory('b')];
    expect(JSON.stringify(copy)).toBe(JSON.stringify(src));
    expect(Object.keys(copy[0] ?? {})).toEqual(['role', 'content', '__proto__', 'n']);
    const meta = (await log.getSession('b'))?.metadata ?? {};
    expect(JSON.stringify(meta)).toBe(JSON.stringify((await log.getSession('a'))?.metadata));
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
  });

  it('CONFLICT when the new key exists, and nothing is written', async () => {
    const log = await open();
    await log.addMessage('a', 'user', 'x');
    await log.addMessage('b', 'user', 'mine');
    const e = await expectCode(log.forkSession('a', 'b'), 'CONFLICT');
    expect(e.message).toMatch(/already exists/);
    expect(await collect(log.readEvents('b'))).toMatchObject([{ type: 'messages.added' }]);
    expect(texts(await log.getHistory('b'))).toEqual(['mine']);
    await expectCode(log.forkSession('a', 'b', { eventId: 'e1' }), 'CONFLICT');
    expect((await log.getSession('b'))?.version).toBe(1);
  });

  it('a retry with the same eventId is the duplicate, even once the source is gone', async () => {
    const log = await open();
    await log.addMessages('a', [msg('1'), msg('2')]);
    await log.addMessage('a', 'user', '3');
    const first = await log.forkSession('a', 'b', { eventId: 'fork-1', atVersion: 1 });
    expect(first).toEqual({ version: 1, forkedFrom: { key: 'a', version: 1 }, messageCount: 2 });
    expect(await log.forkSession('a', 'b', { eventId: 'fork-1', atVersion: 1 })).toEqual({ version: 1, duplicate: true, forkedFrom: { key: 'a', version: 1 }, messageCount: 2 });
    await log.addMessage('b', 'user', 'b moved on');
    expect(await log.forkSession('a', 'b', { eventId: 'fork-1', atVersion: 1 })).toMatchObject({ version: 1, duplicate: true });
    // the same id for another fork (another version, another source) is CONFLICT
    await expectCode(log.forkSession('a', 'b', { eventId: 'fork-1', atVersion: 2 }), 'CONFLICT');
    await log.deleteSession('a');
    expect(await log.forkSession('a', 'b', { eventId: 'fork-1', atVersion: 1 })).toEqual({ version: 1, duplicate: true, forkedFrom: { key: 'a', version: 1 }, messageCount: 2 });
    await expectCode(log.forkSession('a', 'c', { eventId: 'fork-1', atVersion: 1 }), 'NOT_FOUND');
    expect(texts(await log.getHistory('b'))).toEqual(['1', '2', 'b moved on']);
  });

  it('NOT_FOUND for an unknown source, INVALID_ARGUMENT for bad arguments; nothing written', async () => {
    const log = await open();
    await log.addMessage('a', 'user', 'x');
    await expectCode(log.forkSession('nope', 'b'), 'NOT_FOUND');
    await expectCode(log.forkSession('a', 'a'), 'INVALID_ARGUMENT');
    await expectCode(log.forkSession('a', 'b', { atVersion: 2 }), 'INVALID_ARGUMENT');
    for (const bad of [-1, 1.5, '1', Number.NaN]) await expectCode(log.forkSession('a', 'b', { atVersion: bad as number }), 'INVALID_ARGUMENT');
    for (const bad of ['', 5, '\uD800']) {
      await expectCode(log.forkSession(bad as string, 'b'), 'INVALID_ARGUMENT');
      await expectCode(log.forkSession('a', bad as string), 'INVALID_ARGUMENT');
    }
    await expectCode(log.forkSession('a', 'b', { eventId: '' }), 'INVALID_ARGUMENT');
    const e = await expectCode(log.forkSession('a', 'b', { atVerison: 1 } as never), 'INVALID_ARGUMENT');
    expect(e.message).toMatch(/did you mean "atVersion"/);
    expect(await log.getSession('b')).toBeUndefined();
    expect((await log.stats()).sessions).toBe(1);
  });

  it('two forks onto one key at once: one makes it, the other is CONFLICT (or, with its eventId, the duplicate)', async () => {
    const log = await open();
    const other = await open();
    await log.addMessage('a', 'user', 'from a');
    await log.addMessage('b', 'user', 'from b');
    const raced = await Promise.allSettled([log.forkSession('a', 'x'), other.forkSession('b', 'x')]);
    expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = raced.find((r) => r.status === 'rejected');
    expect((lost as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
    const winner = raced[0]?.status === 'fulfilled' ? 'from a' : 'from b';
    expect(texts(await other.getHistory('x'))).toEqual([winner]);
    const same = await Promise.all([log.forkSession('a', 'y', { eventId: 'once' }), other.forkSession('a', 'y', { eventId: 'once' })]);
    expect(same.map((r) => r.duplicate === true).sort()).toEqual([false, true]);
    expect(same.map((r) => r.version)).toEqual([1, 1]);
    expect((await log.getSession('y'))?.version).toBe(1);
  });

  it('a fork is a session like any other: GC compacts it, its history stays exact', async () => {
    const log = await open({ replayWindow: '1h' });
    for (let i = 0; i < 6; i++) await log.addMessage('a', i % 2 ? 'assistant' : 'user', `m${i}`);
    await log.setSummary('a', 'S', { through: 2 });
    await log.forkSession('a', 'b', { eventId: 'f' });
    for (let i = 0; i < 6; i++) await log.addMessage('b', 'user', `n${i}`);
    const before = await viewAt(log, 'b');
    t.now += 2 * HOUR;
    expect((await log.gc()).sessionsCompacted).toBeGreaterThan(0);
    expect(await viewAt(log, 'b')).toEqual(before);
    await expectCode(log.getHistory('b', { atVersion: 1 }), 'PRUNED');
    // the retry is still the duplicate; its fork event is collected, so it cannot say where from
    expect(await log.forkSession('a', 'b', { eventId: 'f' })).toEqual({ version: 1, duplicate: true });
    expect((await log.verify()).ok).toBe(true);
  });

  it('after an export and an import that renumbers the compacted source, forkedFrom still names the version in the original store', async () => {
    const log = await open({ replayWindow: '1h' });
    for (let i = 0; i < 6; i++) await log.addMessage('s', i % 2 ? 'assistant' : 'user', `s${i}`);
    t.now += 2 * HOUR;
    expect(await log.forkSession('s', 'f')).toMatchObject({ forkedFrom: { key: 's', version: 6 } });
    const copied = await log.getHistory('s', { atVersion: 6 });
    expect((await log.gc()).sessionsCompacted).toBeGreaterThan(0); // s now starts at its base, v6
    let text = '';
    await exportJsonl(log, ['s', 'f'], (piece) => void (text += piece));
    const file = join(mkdtempSync(join(tmpdir(), 'turnlog-fork-import-')), 'dump.jsonl');
    writeFileSync(file, text);
    const other = factory();
    try {
      const copy = await other.open({ clock: () => t.now });
      const report = await importTurnlogJsonl(copy, file);
      expect(report.sessions.map((r) => r.status)).toEqual(['imported', 'imported']);
      // the import renumbered the source (its base line is its first version now) ...
      expect((await copy.getSession('s'))?.version).toBeLessThan(6);
      // ... and the fork's lineage is the record of where it came from, as written: the version in
      // the original store, not renumbered; the copy it names is in the fork event itself
      const [first] = await collect(copy.readEvents('f', { toVersion: 1 }));
      expect(first).toMatchObject({ type: 'session.forked', forkedFrom: { key: 's', version: 6 }, messages: copied });
      expect(await copy.getHistory('f')).toEqual(copied);
    } finally {
      await other.dispose();
      rmSync(dirname(file), { recursive: true, force: true });
    }
  });

  it('PRUNED for a version GC collected; the current version still forks', async () => {
    const log = await open({ replayWindow: '1h' });
    for (let i = 0; i < 10; i++) await log.addMessage('a', i % 2 ? 'assistant' : 'user', `m${i}`);
    await log.setSummary('a', 'S', { through: 4 });
    t.now += 2 * HOUR;
    expect((await log.gc()).eventsRemoved).toBeGreaterThan(0);
    const e = await expectCode(log.forkSession('a', 'b', { atVersion: 1 }), 'PRUNED');
    expect(e.oldestReadable).toBeGreaterThan(1);
    expect(await log.getSession('b')).toBeUndefined();
    await log.forkSession('a', 'b');
    expect(await viewAt(log, 'b')).toEqual(await viewAt(log, 'a'));
    expect(await log.forkSession('a', 'z', { atVersion: 0 })).toMatchObject({ version: 1 });
  });
}
