import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent } from '../src/core/codec.js';
import { diffMetadata, diffViews, emptyView, sameJson } from '../src/core/diff.js';
import type { VersionView } from '../src/core/diff.js';
import type { LogEvent, SessionForked } from '../src/core/events.js';
import { applyEvent, emptyProjection } from '../src/core/projection.js';
import { toPublicEvent } from '../src/engine/public-events.js';
import { describeEvent } from '../src/cli/render.js';
import { TurnlogError } from '../src/errors.js';
import type { Message } from '../src/types.js';

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
const m = (content: string): Message => ({ role: 'user', content });
const view = (version: number, start: number, contents: string[], summary = '', metadata: Record<string, unknown> = {}): VersionView => ({ version, start, messages: contents.map(m), summary, metadata });
const corrupt = (fn: () => unknown): void => {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(TurnlogError);
  expect((error as TurnlogError).code).toBe('CORRUPT');
};

const fork: SessionForked = {
  version: 1,
  at: 5,
  type: 'session.forked',
  sourceKey: 'src\u0000key',
  sourceVersion: 7,
  from: 3,
  messagesJson: ['{"role":"user","content":"a"}', '{"__proto__":1}'],
  summary: 'S',
  metadataJson: '{"k":[1,{"x":null}]}',
  eventId: 'e',
};

describe('session.forked on disk and in the fold', () => {
  it('round-trips, and reads as the public event', () => {
    expect(decodeEvent(encodeEvent(fork))).toEqual(fork);
    const empty: LogEvent = { ...fork, messagesJson: [], metadataJson: '{}', summary: '', from: 0, sourceVersion: 0 };
    delete empty.eventId;
    expect(decodeEvent(encodeEvent(empty))).toEqual(empty);
    const pub = toPublicEvent(fork);
    expect(pub).toEqual({ version: 1, at: 5, eventId: 'e', type: 'session.forked', forkedFrom: { key: 'src\u0000key', version: 7 }, from: 3, messages: [m('a'), JSON.parse('{"__proto__":1}')], summary: 'S', metadata: { k: [1, { x: null }] } });
    expect(describeEvent(pub)).toBe('forked from "src\\u0000key" at v7: 2 messages (from #3), a summary, metadata {"k":[1,{"x":null}]}');
  });

  it('damaged fork events are CORRUPT', () => {
    const good = { t: 'session.forked', sk: 's', sv: 1, m: [], s: '', p: '{}', v: 1, at: 0, f: 0 };
    expect(decodeEvent(packr.pack(good))).toMatchObject({ type: 'session.forked' });
    for (const field of ['sk', 'sv', 'm', 's', 'p', 'f']) {
      const { [field]: _gone, ...missing } = good as Record<string, unknown>;
      corrupt(() => decodeEvent(packr.pack(missing)));
    }
    corrupt(() => decodeEvent(packr.pack({ ...good, sv: -1 })));
    corrupt(() => decodeEvent(packr.pack({ ...good, m: [1] })));
  });

  it('the fold starts the window at the source positions; a fork is only ever the first event', () => {
    const p = applyEvent(emptyProjection(), fork);
    expect(p).toMatchObject({ version: 1, start: 3, next: 5, summary: 'S', metadata: { k: [1, { x: null }] }, createdAt: 5, updatedAt: 5 });
    corrupt(() => applyEvent(p, { ...fork, version: 2 }));
    corrupt(() => applyEvent(emptyProjection(), { ...fork, metadataJson: '[1]' }));
  });
});

describe('diffViews (pure)', () => {
  it('an append adds, a truncation or summary cut removes from the front', () => {
    expect(diffViews('k', { before: view(1, 0, ['a', 'b']), after: view(2, 0, ['a', 'b', 'c']), rewoundFrom: undefined })).toEqual({
      key: 'k',
      fromVersion: 1,
      toVersion: 2,
      added: [{ position: 2, message: m('c') }],
      removed: [],
      messageCount: { before: 2, after: 3 },
      metadata: { added: {}, removed: {}, changed: {} },
    });
    const cut = diffViews('k', { before: view(2, 0, ['a', 'b', 'c']), after: view(3, 2, ['c'], 'S'), rewoundFrom: undefined });
    expect(cut).toMatchObject({ added: [], removed: [{ position: 0, message: m('a') }, { position: 1, message: m('b') }], summary: { before: '', after: 'S' } });
  });

  it('positions a removal gave away hold other messages, even with equal content', () => {
    const before = view(4, 1, ['b', 'c', 'd']);
    const after = view(6, 1, ['b', 'c', 'd']);
    expect(diffViews('k', { before, after, rewoundFrom: 2 })).toMatchObject({
      added: [{ position: 2, message: m('c') }, { position: 3, message: m('d') }],
      removed: [{ position: 2, message: m('c') }, { position: 3, message: m('d') }],
    });
    expect(diffViews('k', { before, after, rewoundFrom: undefined })).toMatchObject({ added: [], removed: [] });
    // a removal below the whole window: nothing is the same
    expect(diffViews('k', { before, after, rewoundFrom: 0 }).added).toHaveLength(3);
    // a removal beyond both windows changes nothing that is visible on both sides
    expect(diffViews('k', { before, after, rewoundFrom: 9 }).added).toEqual([]);
  });

  it('a replaced history shares no position; the inverse diff swaps sides', () => {
    const before = view(2, 0, ['a', 'b']);
    const after = view(3, 2, ['x']);
    const forward = diffViews('k', { before, after, rewoundFrom: undefined });
    expect(forward).toMatchObject({ added: [{ position: 2 }], removed: [{ position: 0 }, { position: 1 }] });
    const back = diffViews('k', { before: after, after: before, rewoundFrom: undefined });
    expect(back).toMatchObject({ fromVersion: 3, toVersion: 2, added: forward.removed, removed: forward.added, messageCount: { before: 1, after: 2 } });
    expect(diffViews('k', { before: emptyView(), after: before, rewoundFrom: undefined }).added).toHaveLength(2);
  });

  it('metadata: added, removed, changed; values compared as JSON, key order aside', () => {
    const before = { same: { a: 1, b: [1, { c: 2 }] }, gone: 1, changed: 'x', nested: { a: 1 } };
    const after = { same: { b: [1, { c: 2 }], a: 1 }, changed: 'y', nested: { a: 1, b: 2 }, fresh: null };
    expect(diffMetadata(before, after)).toEqual({ added: { fresh: null }, removed: { gone: 1 }, changed: { changed: { before: 'x', after: 'y' }, nested: { before: { a: 1 }, after: { a: 1, b: 2 } } } });
    const proto = JSON.parse('{"__proto__":{"x":1}}') as Record<string, unknown>;
    const d = diffMetadata({}, proto);
    expect(Object.keys(d.added)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(d.added)).toBe(Object.prototype);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({ a: undefined }, {})).toBe(false);
    expect(sameJson(null, {})).toBe(false);
    expect(sameJson([], {})).toBe(false);
  });
});
