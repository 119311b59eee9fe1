import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { hasOrphanToolResult } from '../src/core/history-rules.js';
import type { Message } from '../src/types.js';
import { BACKENDS, runsOn } from './support/harness.js';
import { propRuns } from './support/prop.js';
import { recordFigure } from './support/figures.js';
import { texts, toolTurn } from './support/messages.js';

/**
 * Concurrent writes on one handle, interleaved by fc.scheduler: the #704 race (a summariser
 * cutting history while the agent loop appends), conditional writers, safe truncation.
 */
describe.each(BACKENDS)('interleavings: %s', (name, factory) => {
  const runs = propRuns(runsOn(name, { lmdb: 30, memory: 80, postgres: 30 }));
  afterAll(() => recordFigure(`scheduler interleavings tried (${name})`, runs.numRuns * 3));

  it('a summariser using through never loses a message added after it read', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), async (s, turns, checkpointEvery) => {
        const h = factory();
        const log = await h.open({ checkpointEvery });
        try {
          const append = s.scheduleFunction((i: number) => log.addMessage('k', 'user', `m${i}`));
          const agent = (async () => {
            for (let i = 0; i < turns; i++) await append(i);
          })();
          let through = -1;
          let summarised: unknown[] = [];
          const summariser = (async () => {
            await s.schedule(Promise.resolve('summariser reads'));
            // Reads are scheduled like the appends, so appends land between them: the summariser
            // reads the history at the version it saw, as a caller of the async API must.
            through = (await s.schedule(log.getSession('k')))?.version ?? 0;
            summarised = texts(await s.schedule(log.getHistory('k', { atVersion: through })));
            await s.schedule(Promise.resolve('model thinks'));
            await log.setSummary('k', `summary of ${summarised.length}`, { through });
          })();
          await s.waitFor(Promise.all([agent, summariser]));
          const all = Array.from({ length: turns }, (_, i) => `m${i}`);
          // Exactly the messages the summariser saw are gone; every later one is still there.
          expect(texts(await log.getHistory('k'))).toEqual(all.filter((m) => !summarised.includes(m)));
          expect(await log.getSummary('k')).toBe(`summary of ${summarised.length}`);
          expect(summarised).toEqual(all.slice(0, summarised.length));
        } finally {
          await h.dispose();
        }
      }),
      runs,
    );
  });

  it('of conditional writers on the same version, exactly one wins', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 2, max: 5 }), async (s, writers) => {
        const h = factory();
        const log = await h.open();
        try {
          await log.addMessage('k', 'user', 'seed');
          const attempts = Array.from({ length: writers }, (_, i) =>
            s.schedule(Promise.resolve(i)).then((n) => log.setHistory('k', [{ role: 'user', content: `w${n}` }], { expectedVersion: 1 })),
          );
          const results = await s.waitFor(Promise.allSettled(attempts));
          const won = results.filter((r) => r.status === 'fulfilled');
          expect(won).toHaveLength(1);
          for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'CONFLICT', expected: 1, actual: 2 });
          expect((await log.getSession('k'))?.version).toBe(2);
        } finally {
          await h.dispose();
        }
      }),
      runs,
    );
  });

  it('a safe truncation racing tool turns never leaves an orphan tool result', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 9 }), async (s, turns, keep) => {
        const h = factory();
        const log = await h.open({ checkpointEvery: 3 });
        try {
          const addTurn = s.scheduleFunction((i: number) => log.addMessages('k', toolTurn(`q${i}`, `call${i}`)));
          const agent = (async () => {
            for (let i = 0; i < turns; i++) await addTurn(i);
          })();
          const cutter = s.schedule(Promise.resolve()).then(() => log.truncateHistory('k', keep, { safe: true }));
          await s.waitFor(Promise.all([agent, cutter]));
          const history: Message[] = await log.getHistory('k');
          expect(hasOrphanToolResult(history)).toBe(false);
          if (history.length > 0) expect(history[0]?.role).toBe('user');
        } finally {
          await h.dispose();
        }
      }),
      runs,
    );
  });
});
