import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, decodeEvent, decodeEventIdEntry, decodeHead, encodeCheckpoint, encodeEvent, encodeEventIdEntry, encodeHead, encodeNumber } from '../src/core/codec.js';
import type { LogEvent } from '../src/core/events.js';
import { applyEvent, emptyProjection, foldEvents } from '../src/core/projection.js';
import { chunkPosition, regionPieces, REGION_SPAN, startRegion } from '../src/core/layout.js';
import { describeEvent } from '../src/cli/render.js';
import { TurnlogError } from '../src/errors.js';

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });
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

describe('removal events, regions and event-id entries on disk', () => {
  it('messages.removed and messages.replaced round-trip, with and without a region', () => {
    const events: LogEvent[] = [
      { version: 3, at: 5, type: 'messages.removed', from: 4, count: 2 },
      { version: 4, at: 6, type: 'messages.removed', from: 1, count: 3, region: 2, eventId: 'x' },
      { version: 5, at: 7, type: 'messages.replaced', from: 1, removed: 0, messagesJson: ['{"role":"user","content":"a"}'] },
      { version: 6, at: 8, type: 'messages.replaced', from: 0, removed: 2, messagesJson: [], region: 3 },
    ];
    for (const e of events) expect(decodeEvent(encodeEvent(e))).toEqual(e);
  });

  it('damaged removal events are CORRUPT', () => {
    corrupt(() => decodeEvent(packr.pack({ t: 'messages.removed', v: 1, at: 0, f: 0 })));
    corrupt(() => decodeEvent(packr.pack({ t: 'messages.removed', v: 1, at: 0, f: 0, n: -1 })));
    corrupt(() => decodeEvent(packr.pack({ t: 'messages.replaced', v: 1, at: 0, f: 0, n: 1 })));
    corrupt(() => decodeEvent(packr.pack({ t: 'messages.replaced', v: 1, at: 0, f: 0, n: 1, m: [1] })));
    corrupt(() => decodeEvent(packr.pack({ t: 'messages.removed', v: 1, at: 0, f: 0, n: 1, rg: 'a' })));
  });

  it('the fold moves next back, starts regions, and refuses removals that do not fit', () => {
    const add = (version: number, from: number, n: number): LogEvent => ({ version, at: version, type: 'messages.added', from, messagesJson: Array.from({ length: n }, () => '{"role":"user"}') });
    let p = foldEvents(emptyProjection(), [add(1, 0, 5)]);
    p = applyEvent(p, { version: 2, at: 2, type: 'messages.removed', from: 3, count: 2, region: 1 });
    expect(p).toMatchObject({ start: 0, next: 3, regions: [[3, 1]] });
    p = applyEvent(p, { version: 3, at: 3, type: 'messages.replaced', from: 2, removed: 1, messagesJson: ['{"role":"user"}', '{"role":"user"}'], region: 2 });
    expect(p).toMatchObject({ next: 4, regions: [[2, 2]] });
    corrupt(() => applyEvent(p, { version: 4, at: 4, type: 'messages.removed', from: 0, count: 5 }));
    corrupt(() => applyEvent(p, { version: 4, at: 4, type: 'messages.removed', from: 2, count: 1 }));
    corrupt(() => applyEvent(p, { version: 4, at: 4, type: 'messages.removed', from: 3, count: 1, region: 2 }));
  });

  it('region keys: pieces, positions, replacement of later regions', () => {
    const regions = startRegion(startRegion([], 10, 1), 20, 2);
    expect(regions).toEqual([[10, 1], [20, 2]]);
    expect(startRegion(regions, 15, 3)).toEqual([[10, 1], [15, 3]]);
    expect(chunkPosition(regions, 5)).toBe(5);
    expect(chunkPosition(regions, 12)).toBe(REGION_SPAN + 12);
    expect(chunkPosition(regions, 25)).toBe(2 * REGION_SPAN + 25);
    expect(regionPieces(regions, 5, 30)).toEqual([
      { from: 5, to: 10, offset: 0 },
      { from: 10, to: 20, offset: REGION_SPAN },
      { from: 20, to: 30, offset: 2 * REGION_SPAN },
    ]);
  });

  it('a checkpoint with regions is stored one fold format up (older readers skip it); heads keep regions and the last removal', () => {
    const projection = { version: 4, start: 0, next: 3, summary: '', metadata: {}, createdAt: 1, updatedAt: 2, regions: [[2, 1]] as Array<[number, number]> };
    const bytes = encodeCheckpoint({ projectionFormat: 1, projection });
    expect((packr.unpack(bytes) as { pf: number }).pf).toBe(2);
    expect(decodeCheckpoint(bytes)).toEqual({ projectionFormat: 1, projection });
    const plain = encodeCheckpoint({ projectionFormat: 1, projection: { ...projection, regions: undefined } });
    expect((packr.unpack(plain) as { pf: number; p: object }).pf).toBe(1);
    expect('regions' in (packr.unpack(plain) as { p: object }).p).toBe(false);
    corrupt(() => decodeCheckpoint(packr.pack({ pf: 2, p: { ...projection, metadata: '{}', regions: [[2, 0]] } })));
    const head = { key: 'k', sid: 1, version: 4, start: 0, next: 3, createdAt: 1, updatedAt: 2, cp: 4, base: 0, gcAt: 1, logBytes: 9, deadBytes: 0, regions: [[2, 1]] as Array<[number, number]>, lastRemoval: 4 };
    expect(decodeHead(encodeHead(head))).toEqual(head);
    corrupt(() => decodeHead(packr.pack({ ...head, regions: [[3, 1], [2, 2]] })));
  });

  it('event-id entries: [version, fingerprint], or a bare version from before fingerprints', () => {
    expect(decodeEventIdEntry(encodeEventIdEntry({ version: 7, fingerprint: 'abc' }))).toEqual({ version: 7, fingerprint: 'abc' });
    expect(decodeEventIdEntry(encodeNumber(7))).toEqual({ version: 7 });
    corrupt(() => decodeEventIdEntry(packr.pack([7])));
    corrupt(() => decodeEventIdEntry(packr.pack(['7', 'abc'])));
    corrupt(() => decodeEventIdEntry(packr.pack('x')));
  });

  it('the CLI describes removals', () => {
    expect(describeEvent({ version: 2, at: 0, type: 'messages.removed', count: 1, from: 4 })).toBe('removed the newest 1 message (from #4)');
    expect(describeEvent({ version: 2, at: 0, type: 'messages.replaced', removed: 2, messages: [{ role: 'user' }], from: 4 })).toBe('replaced the newest 2 messages by 1 (from #4)');
  });
});
