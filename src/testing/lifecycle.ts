import { describe, expect, it, vi } from 'vitest';
import type { StoreHarnessFactory } from './harness.js';
import { perTestStore } from './per-test.js';
import type { SessionLog } from '../engine/session-log.js';
import { hasOrphanToolResult } from '../core/history-rules.js';
import { expectCode, texts, toolTurn } from './messages.js';
import { collect } from './collect.js';

const HOUR = 3_600_000;

/** Expiry, caps and the replay window: GC must never change what an agent sees. */
export function lifecycleConformance(factory: StoreHarnessFactory): void {
  const t = perTestStore(factory);
  const open = t.open;

  const snapshot = (log: SessionLog, keys: string[]) =>
    Promise.all(keys.map(async (k) => ({ history: await log.getHistory(k), summary: await log.getSummary(k), session: await log.getSession(k) })));

  describe('ttl', () => {
    it('expires sessions idle longer than the ttl; a write refreshes them', async () => {
      const log = await open({ ttl: '1h' });
      await log.addMessage('idle', 'user', 'x');
      await log.addMessage('busy', 'user', 'x');
      t.now += 50 * 60_000;
      await log.addMessage('busy', 'user', 'still here');
      t.now += 20 * 60_000; // idle: 70 min, busy: 20 min
      const report = await log.gc();
      expect(report).toMatchObject({ sessionsExpired: 1, eventsRemoved: 1, dryRun: false });
      expect(await log.getSession('idle')).toBeUndefined();
      expect(await log.getHistory('idle')).toEqual([]);
      expect(texts(await log.getHistory('busy'))).toEqual(['x', 'still here']);
      expect(await log.stats()).toMatchObject({ sessions: 1, events: 2, pendingPurges: 0 });
      expect((await log.listSessions()).sessions.map((s) => s.key)).toEqual(['busy']);
      expect((await log.addMessage('idle', 'user', 'new life')).version).toBe(1);
      expect((await log.verify()).ok).toBe(true);
    });

    it('a session idle exactly the ttl is kept', async () => {
      const log = await open({ ttl: 1000 });
      await log.addMessage('k', 'user', 'x');
      t.now += 1000;
      expect((await log.gc()).sessionsExpired).toBe(0);
      t.now += 1;
      expect((await log.gc()).sessionsExpired).toBe(1);
    });
  });

  describe('maxMessages', () => {
    it('caps the visible history with recorded truncation events', async () => {
      const log = await open({ maxMessages: 5 });
      for (let i = 0; i < 8; i++) await log.addMessage('k', 'user', `m${i}`);
      expect(texts(await log.getHistory('k'))).toEqual(['m3', 'm4', 'm5', 'm6', 'm7']);
      const events = await collect(log.readEvents('k'));
      const cuts = events.filter((e) => e.type === 'history.truncated');
      expect(cuts).toHaveLength(3);
      expect(cuts[0]).toMatchObject({ keepLast: 5, safe: true, start: 1 });
      expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
      // the write's own version is the message's event, the cap follows it
      const r = await log.addMessage('k', 'user', 'm8');
      expect((await collect(log.readEvents('k', { fromVersion: r.version }))).map((e) => e.type)).toEqual(['messages.added', 'history.truncated']);
      expect((await log.getSession('k'))?.messageCount).toBe(5);
    });

    it('never leaves a tool result without its call', async () => {
      const log = await open({ maxMessages: 6 });
      for (let i = 0; i < 5; i++) {
        for (const m of toolTurn(`q${i}`, `c${i}`)) {
          await log.addFullMessage('k', m);
          const history = await log.getHistory('k');
          expect(history.length).toBeLessThanOrEqual(6);
          expect(hasOrphanToolResult(history)).toBe(false);
        }
      }
    });
  });

  describe('replay window', () => {
    async function workload(log: SessionLog): Promise<void> {
      for (let i = 0; i < 10; i++) {
        await log.addMessage('k', i % 2 ? 'assistant' : 'user', `m${i}`);
        t.now += 1000;
      }
      await log.truncateHistory('k', 4);
      await log.setSummary('k', 'first summary');
      await log.setHistory('k', [{ role: 'user', content: 'fresh' }]);
      await log.updateMetadata('k', { a: 1 });
      for (let i = 0; i < 6; i++) {
        await log.addMessage('k', 'user', `n${i}`);
        t.now += 1000;
      }
    }

    it('old versions stay readable inside the window and are PRUNED after, never wrong', async () => {
      const log = await open({ replayWindow: '1h' });
      await workload(log);
      const before = await snapshot(log, ['k']);
      const v1 = await log.getHistory('k', { atVersion: 1 });
      t.now += 30 * 60_000;
      const inside = await log.gc();
      expect(inside.eventsRemoved).toBe(0);
      expect(await log.getHistory('k', { atVersion: 1 })).toEqual(v1);
      t.now += 2 * HOUR;
      const after = await log.gc();
      expect(after.sessionsCompacted).toBe(1);
      expect(after.eventsRemoved).toBeGreaterThan(0);
      expect(await snapshot(log, ['k'])).toEqual(before);
      const err = await expectCode(log.getHistory('k', { atVersion: 1 }), 'PRUNED');
      expect(err.oldestReadable).toBe((await log.getSession('k'))?.version);
      await expectCode(log.getSummary('k', { atVersion: 3 }), 'PRUNED');
      // Version 0, before the first event, is empty whatever GC collected.
      expect(await log.getHistory('k', { atVersion: 0 })).toEqual([]);
      expect(await log.getSession('k', { atVersion: 0 })).toBeUndefined();
      expect(await log.getSummary('k', { atVersion: 0 })).toBe('');
      await expectCode(collect(log.readEvents('k', { fromVersion: 1 })), 'PRUNED');
      expect(await collect(log.readEvents('k'))).toEqual([]);
      expect(await log.getHistory('k', { atVersion: (await log.getSession('k'))?.version })).toEqual(before[0]?.history);
      // life goes on after compaction
      await log.addMessage('k', 'assistant', 'later');
      expect(texts(await log.getHistory('k')).slice(-2)).toEqual(['n5', 'later']);
      expect(await log.verify()).toMatchObject({ ok: true, mismatches: [] });
      await log.close();
      const again = await open({ replayWindow: '1h' });
      expect(texts(await again.getHistory('k')).slice(-2)).toEqual(['n5', 'later']);
      expect(await again.getSummary('k')).toBe('first summary');
      expect((await again.getSession('k'))?.metadata).toEqual({ a: 1 });
    });

    it('replayWindow 0 collects everything not current at the next GC; Infinity keeps all', async () => {
      const keep = await open({ replayWindow: Infinity });
      await workload(keep);
      t.now += 1000 * HOUR;
      expect((await keep.gc()).eventsRemoved).toBe(0);
      await keep.close();
      const log = await open({ replayWindow: 0 });
      const before = await snapshot(log, ['k']);
      const report = await log.gc();
      expect(report.eventsRemoved).toBe(before[0]?.session?.version);
      expect(await snapshot(log, ['k'])).toEqual(before);
      expect(await log.stats()).toMatchObject({ events: 0, deadBytes: 0 });
      expect((await log.verify()).ok).toBe(true);
    });

    it('GC is idempotent and a dry run predicts the real run without changing anything', async () => {
      const log = await open({ replayWindow: '1h', ttl: '3h' });
      await workload(log);
      t.now += HOUR;
      await log.addMessage('other', 'user', 'x');
      t.now += 2.5 * HOUR; // k idle 3.5h: expires; other idle 2.5h: compacted
      await log.addMessage('third', 'user', 'x');
      const before = await snapshot(log, ['k', 'other', 'third']);
      const statsBefore = await log.stats();
      const dry = await log.gc({ dryRun: true });
      expect(await snapshot(log, ['k', 'other', 'third'])).toEqual(before);
      expect(await log.stats()).toEqual(statsBefore);
      const real = await log.gc();
      for (const f of ['sessionsExpired', 'sessionsCompacted', 'eventsRemoved', 'bytesRemoved', 'checkpointsRemoved', 'chunksRemoved'] as const) expect(dry[f], f).toBe(real[f]);
      expect(real.sessionsExpired).toBe(1);
      const afterFirst = await snapshot(log, ['k', 'other', 'third']);
      const second = await log.gc();
      expect(second).toMatchObject({ sessionsExpired: 0, sessionsCompacted: 0, eventsRemoved: 0, bytesRemoved: 0 });
      expect(await snapshot(log, ['k', 'other', 'third'])).toEqual(afterFirst);
      expect(afterFirst[1]).toEqual(before[1]);
      expect(afterFirst[2]).toEqual(before[2]);
    });

    it('a summariser whose through was collected gets PRUNED, never a wrong cut', async () => {
      const log = await open({ replayWindow: 0 });
      await log.addMessage('k', 'user', 'a');
      const seen = (await log.getSession('k'))?.version ?? 0;
      await log.addMessage('k', 'user', 'b');
      await log.gc();
      await expectCode(log.setSummary('k', 's', { through: seen }), 'PRUNED');
      expect(texts(await log.getHistory('k'))).toEqual(['a', 'b']);
    });
  });

  describe('background GC and stats', () => {
    it('autoGc runs on an unref’d timer and stops at close', async () => {
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
      try {
        const log = await open({ ttl: '1m', autoGc: { interval: '5m' } });
        await log.addMessage('k', 'user', 'x');
        t.now += 2 * 60_000;
        vi.advanceTimersByTime(5 * 60_000);
        await vi.waitFor(async () => expect(await log.getSession('k')).toBeUndefined());
        await log.close();
        expect(vi.getTimerCount()).toBe(0);
      } finally {
        vi.useRealTimers();
      }
    });

    it('stats reports counts, bytes and formats', async () => {
      const log = await open();
      for (let i = 0; i < 9; i++) await log.addMessage('k', 'user', `m${i}`);
      const s = await log.stats();
      expect(s).toMatchObject({ sessions: 1, events: 9, pendingPurges: 0, format: { store: expect.any(Number), projection: expect.any(Number) } });
      expect(s.logBytes).toBeGreaterThan(0);
      // What is dead depends on the store (LMDB: what lies behind a checkpoint; checked in the
      // project's own tests); every store keeps the arithmetic.
      expect(s.deadBytes).toBeGreaterThanOrEqual(0);
      expect(s.deadBytes).toBeLessThanOrEqual(s.logBytes);
      expect(s.liveBytes).toBe(s.logBytes - s.deadBytes);
    });

    it('rejects bad lifecycle options', async () => {
      await expectCode(() => open({ ttl: 'soon' }), 'INVALID_ARGUMENT');
      await expectCode(() => open({ ttl: -1 }), 'INVALID_ARGUMENT');
      await expectCode(() => open({ maxMessages: 0 }), 'INVALID_ARGUMENT');
      await expectCode(() => open({ replayWindow: '3 fortnights' }), 'INVALID_ARGUMENT');
      await expectCode(() => open({ autoGc: { interval: 10 } }), 'INVALID_ARGUMENT');
    });
  });
}
