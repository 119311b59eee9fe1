import { describe, expect, it } from 'vitest';
import { HistoryCache, followEvents, historyEntry } from '../src/engine/history-cache.js';
import type { LogEvent } from '../src/core/events.js';
import { applyEvent, emptyProjection } from '../src/core/projection.js';
import type { Message } from '../src/types.js';

const parse = (_e: LogEvent, json: string[]): Message[] => json.map((j) => JSON.parse(j) as Message);
const text = (content: string): string => JSON.stringify({ role: 'user', content });

/** The entry a first read would cache after `events`, all of them folded from an empty session. */
function entryAfter(events: LogEvent[]) {
  return followEvents(historyEntry(emptyProjection(), [], []), events, parse);
}

describe('history cache accounting', () => {
  it('charges what is kept after a removal: a big message left behind keeps its full size', () => {
    const big = text('x'.repeat(600_000));
    const tiny = Array.from({ length: 999 }, () => text('y'));
    const added: LogEvent = { type: 'messages.added', version: 1, at: 1, from: 0, messagesJson: [big, ...tiny] };
    const removed: LogEvent = { type: 'messages.removed', version: 2, at: 2, from: 1, count: 999 };
    const entry = followEvents(entryAfter([added]), [removed], parse);
    expect(entry.messages).toHaveLength(1);
    expect(entry.bytes).toBeGreaterThanOrEqual(big.length);
  });

  it('charges what is kept after a cut of the oldest messages', () => {
    const big = text('x'.repeat(100_000));
    const added: LogEvent = { type: 'messages.added', version: 1, at: 1, from: 0, messagesJson: [...Array.from({ length: 500 }, () => text('y')), big] };
    const truncated: LogEvent = { type: 'history.truncated', version: 2, at: 2, keepLast: 1, safe: false, start: 500 };
    const p = applyEvent(applyEvent(emptyProjection(), added), truncated);
    expect(p.start).toBe(500); // the event shape this test assumes
    const entry = followEvents(entryAfter([added]), [truncated], parse);
    expect(entry.messages).toHaveLength(1);
    expect(entry.bytes).toBeGreaterThanOrEqual(big.length);
  });

  it('keeps no summary or metadata, and charges an entry with no messages', () => {
    const summary: LogEvent = { type: 'summary.set', version: 1, at: 1, summary: 's'.repeat(600_000) };
    const entry = entryAfter([summary]);
    expect(entry.projection.version).toBe(1);
    expect(entry.projection.summary).toBe('');
    expect(entry.bytes).toBeGreaterThan(0);
  });

  it('holds a bounded number of entries, however small each history is', () => {
    const cache = new HistoryCache(10_000);
    for (let sid = 1; sid <= 1000; sid++) cache.store(sid, historyEntry(emptyProjection(), [], []));
    let held = 0;
    for (let sid = 1; sid <= 1000; sid++) if (cache.lookup(sid) !== undefined) held++;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(100);
  });
});
