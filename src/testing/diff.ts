import { expect, it } from 'vitest';
import type { StoreHarnessFactory } from './harness.js';
import { perTestStore } from './per-test.js';
import type { SessionDiff } from '../types.js';
import { expectCode, texts } from './messages.js';
import { collect } from './collect.js';
import { everyEventType } from './fork.js';
import { placedOnlyIn, placedViews } from './placed.js';
import type { PlacedView } from './placed.js';

const HOUR = 3_600_000;

/** What diff must say of two placed views (the yardstick, from the events alone). */
function expected(key: string, views: PlacedView[], from: number, to: number): SessionDiff {
  const a = views[from] as PlacedView;
  const b = views[to] as PlacedView;
  const added: Record<string, unknown> = {};
  const removed: Record<string, unknown> = {};
  const changed: Record<string, { before: unknown; after: unknown }> = {};
  for (const [k, v] of Object.entries(a.metadata)) {
    if (!(k in b.metadata)) removed[k] = v;
    else if (JSON.stringify(v) !== JSON.stringify(b.metadata[k])) changed[k] = { before: v, after: b.metadata[k] };
  }
  for (const [k, v] of Object.entries(b.metadata)) if (!(k in a.metadata)) added[k] = v;
  return {
    key,
    fromVersion: from,
    toVersion: to,
    added: placedOnlyIn(b, a),
    removed: placedOnlyIn(a, b),
    messageCount: { before: a.messages.length, after: b.messages.length },
    ...(a.summary === b.summary ? {} : { summary: { before: a.summary, after: b.summary } }),
    metadata: { added, removed, changed },
  };
}

/** diff on every store: what changed between two versions, told by position. */
export function diffConformance(factory: StoreHarnessFactory): void {
  const t = perTestStore(factory);
  const open = t.open;

  it('reports each event type exactly, one step and across any two versions, both ways', async () => {
    const log = await open();
    const head = await everyEventType(log, 'k');
    await log.forkSession('k', 'f', { atVersion: 9 });
    await log.addMessage('f', 'user', 'after the fork');
    for (const key of ['k', 'f']) {
      const events = await collect(log.readEvents(key));
      const views = placedViews(events);
      const last = events.length;
      for (let to = 0; to <= last; to++) {
        for (let from = 0; from <= last; from++) {
          expect(await log.diff(key, { fromVersion: from, toVersion: to }), `${key} v${from} → v${to}`).toEqual(expected(key, views, from, to));
        }
      }
      expect(await log.diff(key)).toEqual(expected(key, views, last - 1, last));
      expect(await log.diff(key, { toVersion: 1 })).toEqual(expected(key, views, 0, 1));
      expect(await log.diff(key, { fromVersion: 0 })).toEqual(expected(key, views, 0, last));
    }
    expect(head).toBeGreaterThan(12);
  });

  it('tells a replacement with equal content from no change, by position', async () => {
    const log = await open();
    await log.addMessages('k', [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'same' }]);
    await log.replaceLast('k', 1, [{ role: 'assistant', content: 'same' }]);
    const d = await log.diff('k');
    expect(d.removed).toEqual([{ position: 1, message: { role: 'assistant', content: 'same' } }]);
    expect(d.added).toEqual([{ position: 1, message: { role: 'assistant', content: 'same' } }]);
    await log.truncateHistory('k', 1);
    expect(await log.diff('k')).toMatchObject({ added: [], removed: [{ position: 0, message: { content: 'q' } }], messageCount: { before: 2, after: 1 } });
    await log.addMessage('k', 'user', 'next');
    expect(await log.diff('k')).toMatchObject({ added: [{ position: 2, message: { content: 'next' } }], removed: [] });
    await log.setSummary('k', 'S', { through: 4 });
    const cut = await log.diff('k');
    expect(texts(cut.removed.map((r) => r.message))).toEqual(['same', 'next']);
    expect(cut.summary).toEqual({ before: '', after: 'S' });
    await log.updateMetadata('k', { a: { x: 1, y: 2 }, b: 1 });
    await log.updateMetadata('k', { a: { y: 2, x: 1 }, b: null, c: 'new' });
    expect((await log.diff('k')).metadata).toEqual({ added: { c: 'new' }, removed: { b: 1 }, changed: {} });
  });

  it('NOT_FOUND, INVALID_ARGUMENT and PRUNED as the other reads', async () => {
    const log = await open({ replayWindow: '1h' });
    await expectCode(log.diff('nope'), 'NOT_FOUND');
    await expectCode(log.diff('nope', { fromVersion: 0, toVersion: 0 }), 'NOT_FOUND');
    for (let i = 0; i < 9; i++) await log.addMessage('k', 'user', `m${i}`);
    await expectCode(log.diff('k', { toVersion: 10 }), 'INVALID_ARGUMENT');
    await expectCode(log.diff('k', { fromVersion: 10, toVersion: 1 }), 'INVALID_ARGUMENT');
    for (const bad of [-1, 1.5, '1']) await expectCode(log.diff('k', { fromVersion: bad as number }), 'INVALID_ARGUMENT');
    await expectCode(log.diff('k', { from: 1 } as never), 'INVALID_ARGUMENT');
    await expectCode(log.diff(''), 'INVALID_ARGUMENT');
    t.now += 2 * HOUR;
    await log.gc();
    await expectCode(log.diff('k', { fromVersion: 1, toVersion: 9 }), 'PRUNED');
    // Version 0 is empty whatever GC collected: the diff from it is the whole current view.
    expect(texts((await log.diff('k', { fromVersion: 0 })).added.map((a) => a.message))).toHaveLength(9);
    expect(await log.diff('k', { fromVersion: 9, toVersion: 9 })).toMatchObject({ added: [], removed: [] });
  });
}
