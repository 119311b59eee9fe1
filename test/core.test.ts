import { describe, expect, it } from 'vitest';
import { Packr } from 'msgpackr';
import { decodeCheckpoint, decodeChunk, decodeCounters, decodeEvent, decodeFormat, decodeHead, decodeNumber, decodeState, encodeCheckpoint, encodeChunk, encodeCounters, encodeEvent, encodeHead, encodeState } from '../src/core/codec.js';
import type { LogEvent } from '../src/core/events.js';
import { hasOrphanToolResult, plainCut, safeCut, throughCut } from '../src/core/history-rules.js';
import { shapesAt } from '../src/core/message-shapes.js';
import { applyEvent, emptyProjection, foldEvents, mergeMetadata } from '../src/core/projection.js';
import { assertJsonData, encodeMessage, validateKey } from '../src/core/validate.js';
import { TurnlogError } from '../src/errors.js';
import type { Message } from '../src/types.js';
import { toolTurn } from './support/messages.js';

const add = (version: number, from: number, n: number): LogEvent => ({ version, at: version * 10, type: 'messages.added', from, messagesJson: Array.from({ length: n }, () => '{"role":"user"}') });

describe('projection fold', () => {
  it('tracks the visible range through adds, cuts, summaries and replacements', () => {
    const p = foldEvents(emptyProjection(), [
      add(1, 0, 3),
      { version: 2, at: 20, type: 'history.truncated', keepLast: 1, safe: false, start: 2 },
      add(3, 3, 2),
      { version: 4, at: 40, type: 'summary.set', summary: 'sum', through: 3, start: 5 },
      { version: 5, at: 50, type: 'history.replaced', from: 5, messagesJson: ['{"role":"user"}'] },
      { version: 6, at: 60, type: 'metadata.updated', patchJson: '{"a":1,"b":null}' },
    ]);
    expect(p).toEqual({ version: 6, start: 5, next: 6, summary: 'sum', metadata: { a: 1 }, createdAt: 10, updatedAt: 60 });
  });

  it('refuses a gap in versions, a misplaced message run or an impossible cut (CORRUPT)', () => {
    const p = applyEvent(emptyProjection(), add(1, 0, 2));
    for (const bad of [add(3, 2, 1), add(2, 5, 1), { version: 2, at: 0, type: 'history.truncated', keepLast: 0, safe: false, start: 9 } satisfies LogEvent]) {
      expect(() => applyEvent(p, bad)).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    }
  });

  it('merges metadata shallowly with null deleting, __proto__ as data', () => {
    const out = mergeMetadata({ a: 1 }, JSON.parse('{"__proto__":{"x":1},"a":null}') as Record<string, unknown>);
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('history rules', () => {
  // Chat messages by role; a `tool` result answers the call of the assistant message before it.
  const chat = (roles: string[]): Message[] =>
    roles.map((role, i) => (role === 'tool' ? { role, tool_call_id: `c${lastCall(roles, i)}` } : role === 'assistant' && roles[i + 1] === 'tool' ? { role, tool_calls: [{ id: `c${i}` }] } : { role }));
  const lastCall = (roles: string[], i: number): number => {
    let j = i;
    while (j > 0 && roles[j] !== 'assistant') j--;
    return j;
  };
  const at = (messages: Message[], base: number) => shapesAt((p) => messages[p - base]);
  const conv = at(chat(['user', 'assistant', 'tool', 'assistant', 'user', 'assistant']), 10); // positions 10..15

  it('plain cut keeps the last n, clamped', () => {
    expect([plainCut(10, 16, 2), plainCut(10, 16, 0), plainCut(10, 16, -5), plainCut(10, 16, 99)]).toEqual([14, 16, 16, 10]);
  });

  it('safe cut goes back to a user message, else forward, else drops all', () => {
    expect(safeCut(10, 16, 3, conv)).toBe(10); // cut at 13 (assistant) → back to 10
    expect(safeCut(10, 16, 2, conv)).toBe(14); // already a user message
    expect(safeCut(0, 4, 3, at(chat(['assistant', 'assistant', 'user', 'assistant']), 0))).toBe(2);
    expect(safeCut(0, 2, 1, at([{ role: 'tool', tool_call_id: 'x' }, { role: 'tool', tool_call_id: 'y' }], 0))).toBe(2);
  });

  it('through never moves the start backwards', () => {
    const users = at(chat(['user', 'user', 'user', 'user', 'user']), 5);
    expect([throughCut(5, 10, 3, users), throughCut(5, 10, 8, users), throughCut(5, 10, 10, users)]).toEqual([5, 8, 10]);
  });

  it('through never leaves a tool result as the first message: the cut moves back to its turn', () => {
    //                             5       6            7       8            9
    const turn = at(chat(['user', 'assistant', 'tool', 'assistant', 'user']), 5);
    expect(throughCut(5, 10, 7, turn)).toBe(5); // between the call (6) and its result (7)
    expect(throughCut(5, 10, 8, turn)).toBe(8); // after the result: exact
    expect(throughCut(7, 10, 7, turn)).toBe(7); // already orphaned before: nothing older to keep
    expect(throughCut(6, 10, 7, turn)).toBe(6); // no user message to go back to: keep everything
    expect(hasOrphanToolResult([{ role: 'assistant', tool_calls: [{ id: 'a' }] }, { role: 'tool', tool_call_id: 'a' }])).toBe(false);
  });

  it('detects orphan tool results', () => {
    const turn = toolTurn('q', 'c');
    expect(hasOrphanToolResult(turn)).toBe(false);
    expect(hasOrphanToolResult(turn.slice(2))).toBe(true);
  });
});

describe('validation and codec', () => {
  it('messages are encoded as JSON, size-checked', () => {
    expect(encodeMessage({ role: 'user', content: 'x', dropped: undefined }, 100)).toBe('{"role":"user","content":"x"}');
    expect(() => encodeMessage({ role: 'user', content: 'x'.repeat(100) }, 100)).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }));
    expect(() => assertJsonData({ a: [1, { b: () => 0 }] }, 'm')).toThrow(/m\.a\[1\]\.b is a function/);
  });

  it('keys: exact, non-empty, well-formed, ≤ 4096 bytes', () => {
    expect(validateKey('telegram:123')).toBe('telegram:123');
    expect(() => validateKey('x'.repeat(4097))).toThrow(TurnlogError);
  });

  it('damaged records decode as CORRUPT, never as data', () => {
    const e = encodeEvent(add(1, 0, 1));
    expect(decodeEvent(e).version).toBe(1);
    for (const bad of [e.subarray(0, 5), Buffer.from([0xc1]), Buffer.from('garbage')]) {
      expect(() => decodeEvent(bad)).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
      expect(() => decodeHead(bad)).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    }
    expect(() => decodeChunk(Buffer.from('[{"role":'))).toThrow(expect.objectContaining({ code: 'CORRUPT' }));
    expect(decodeChunk(encodeChunk(['{"role":"a"}', '{"role":"b"}']))).toEqual([{ role: 'a' }, { role: 'b' }]);
  });
});

describe('durations', () => {
  it('reads ms and unit strings, Infinity only where allowed', async () => {
    const { parseDuration } = await import('../src/core/duration.js');
    expect(['250ms', '90s', '15m', '12h', '30d', '2w', '1.5h', '0', 1234].map((d) => parseDuration('x', d))).toEqual([
      250, 90_000, 900_000, 43_200_000, 2_592_000_000, 1_209_600_000, 5_400_000, 0, 1234,
    ]);
    expect(parseDuration('x', Infinity, true)).toBe(Infinity);
    expect(parseDuration('x', 'Infinity', true)).toBe(Infinity);
    for (const bad of ['soon', '-1s', '1y', Infinity, -5, Number.NaN]) expect(() => parseDuration('x', bad)).toThrow(TurnlogError);
  });
});

describe('store format 1 stays byte-compatible', () => {
  // Records exactly as format 1 lays them out (short field names, JSON text inside MessagePack),
  // built here by hand with the codec's own MessagePack settings.
  const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
  const onDisk: Array<[string, Record<string, unknown>, LogEvent]> = [
    ['messages.added', { t: 'messages.added', m: ['{"role":"user","content":"hi"}'], v: 1, at: 10, id: 'e1', f: 0 }, { version: 1, at: 10, eventId: 'e1', type: 'messages.added', from: 0, messagesJson: ['{"role":"user","content":"hi"}'] }],
    ['history.replaced', { t: 'history.replaced', m: [], v: 2, at: 20, f: 1 }, { version: 2, at: 20, type: 'history.replaced', from: 1, messagesJson: [] }],
    ['summary.set', { t: 'summary.set', s: 'sum', v: 3, at: 30 }, { version: 3, at: 30, type: 'summary.set', summary: 'sum' }],
    ['summary.set through', { t: 'summary.set', s: 'sum', th: 3, st: 1, v: 4, at: 40 }, { version: 4, at: 40, type: 'summary.set', summary: 'sum', through: 3, start: 1 }],
    ['history.truncated', { t: 'history.truncated', k: -1, sf: false, st: 1, v: 5, at: 50 }, { version: 5, at: 50, type: 'history.truncated', keepLast: -1, safe: false, start: 1 }],
    ['metadata.updated', { t: 'metadata.updated', p: '{"a":null}', v: 6, at: 60, id: 'x' }, { version: 6, at: 60, eventId: 'x', type: 'metadata.updated', patchJson: '{"a":null}' }],
  ];

  it.each(onDisk)('%s: decodes to the readable event and encodes back to the same bytes', (_name, stored, event) => {
    const bytes = packr.pack(stored);
    expect(decodeEvent(bytes)).toEqual(event);
    expect(Buffer.from(encodeEvent(event)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('heads, state, checkpoints, counters and numbers read and write the format-1 layout', () => {
    const head = { key: 'k', sid: 3, version: 9, start: 1, next: 7, createdAt: 1, updatedAt: 2, cp: 8, base: 0, gcAt: 5, logBytes: 100, deadBytes: 10 };
    expect(decodeHead(packr.pack(head))).toEqual(head);
    expect(Buffer.from(encodeHead(head)).equals(Buffer.from(packr.pack(head)))).toBe(true);
    const state = { summary: 's', metadata: '{"a":1}' };
    expect(decodeState(packr.pack(state))).toEqual({ summary: 's', metadata: { a: 1 } });
    expect(Buffer.from(encodeState({ summary: 's', metadata: { a: 1 } })).equals(Buffer.from(packr.pack(state)))).toBe(true);
    const p = { version: 8, start: 1, next: 7, summary: 's', metadata: '{"a":1}', createdAt: 1, updatedAt: 2 };
    const cp = decodeCheckpoint(packr.pack({ pf: 1, p }));
    expect(cp).toEqual({ projectionFormat: 1, projection: { ...p, metadata: { a: 1 } } });
    expect(Buffer.from(encodeCheckpoint(cp)).equals(Buffer.from(packr.pack({ pf: 1, p })))).toBe(true);
    expect(decodeCounters(packr.pack([2, 30, 4000, 100]))).toEqual({ sessions: 2, events: 30, logBytes: 4000, deadBytes: 100 });
    expect(decodeCounters(packr.pack([2]))).toEqual({ sessions: 2, events: 0, logBytes: 0, deadBytes: 0 });
    expect(Buffer.from(encodeCounters({ sessions: 2, events: 30, logBytes: 4000, deadBytes: 100 })).equals(Buffer.from(packr.pack([2, 30, 4000, 100])))).toBe(true);
    expect(decodeNumber(packr.pack(17), 'sid')).toBe(17);
    expect(decodeFormat(packr.pack({ format: 1, createdAt: 5 }))).toEqual({ format: 1, createdAt: 5 });
  });

  it('every decoder names the record it found damaged', () => {
    expect(() => decodeEvent(Uint8Array.from([0xc1]), 'event 4 of session #2')).toThrow(/^event 4 of session #2: damaged record \(not a map\)$/);
    expect(() => decodeState(packr.pack({ summary: '', metadata: '{' }))).toThrow(expect.objectContaining({ code: 'CORRUPT', message: expect.stringContaining('session state') }));
    expect(() => decodeCounters(packr.pack([1, 'x']))).toThrow(expect.objectContaining({ code: 'CORRUPT', message: expect.stringContaining('counters') }));
    expect(() => decodeCheckpoint(packr.pack({ pf: 1 }))).toThrow(expect.objectContaining({ code: 'CORRUPT', message: expect.stringContaining('checkpoint') }));
  });
});
