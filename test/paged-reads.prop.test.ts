import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionLog } from '../src/engine/session-log.js';
import { isTurnlogError } from '../src/errors.js';
import { BACKENDS, runsOn } from './support/harness.js';
import { propRuns } from './support/prop.js';
import { collect } from './support/collect.js';

/**
 * readEvents()/replay() read in pages, each its own snapshot. Whatever runs between pages (GC,
 * appends, a deletion, a deletion and re-creation), an iteration yields a correct prefix of the
 * events as they were when it started, then either ends, or throws PRUNED (only when GC ran,
 * with an oldestReadable at or after where it stopped) or NOT_FOUND (only when the session was
 * deleted). Never CORRUPT, never a wrong event.
 */
type Interference = 'none' | 'append' | 'gc' | 'gc+append' | 'delete' | 'recreate';

async function fill(log: SessionLog, key: string, n: number, seed: number): Promise<void> {
  for (let i = 0; i < n; i += 64) {
    const batch = Math.min(64, n - i);
    await Promise.all(
      Array.from({ length: batch }, (_, j) => {
        const v = i + j;
        if ((v + seed) % 97 === 0) return log.truncateHistory(key, 3, { safe: true });
        if ((v + seed) % 61 === 0) return log.updateMetadata(key, { v });
        if ((v + seed) % 53 === 0) return log.setSummary(key, `s${v}`);
        return log.addMessage(key, v % 3 === 0 ? 'user' : 'assistant', `m${v}`);
      }),
    );
  }
}

describe.each(BACKENDS)('paged reads under interference (%s)', (name, factory) => {
  it('yield a correct prefix, then end, or throw PRUNED / NOT_FOUND as the interference explains', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 700 }),
        fc.integer({ min: 2, max: 40 }),
        fc.constantFrom<'readEvents' | 'replay'>('readEvents', 'replay'),
        fc.nat(),
        fc.constantFrom<Interference>('none', 'append', 'gc', 'gc+append', 'delete', 'recreate'),
        fc.nat({ max: 1000 }),
        async (events, checkpointEvery, reader, takeSeed, interference, seed) => {
          const h = factory();
          let now = 1_000;
          const log = await h.open({ clock: () => now, checkpointEvery, replayWindow: 0 });
          try {
            await fill(log, 'k', events, seed);
            const expected = await collect(log.readEvents('k'));
            const steps = reader === 'replay' ? await collect(log.replay('k')) : undefined;
            // An iteration starts (and reads its range) at its first next(): take at least one
            // event before the interference, or nothing would have started.
            const take = 1 + (takeSeed % events);
            const it = (reader === 'readEvents' ? log.readEvents('k') : log.replay('k'))[Symbol.asyncIterator]();
            const got: unknown[] = [];
            for (let i = 0; i < take; i++) {
              const r = await it.next();
              if (r.done === true) break;
              got.push(r.value);
            }
            now += 1_000;
            if (interference === 'append' || interference === 'gc+append') await fill(log, 'k', 50, seed + 1);
            if (interference === 'gc' || interference === 'gc+append') await log.gc();
            if (interference === 'delete' || interference === 'recreate') await log.deleteSession('k');
            if (interference === 'recreate') await fill(log, 'k', events + 10, seed + 2);
            let error: unknown;
            try {
              for (let r = await it.next(); r.done !== true; r = await it.next()) got.push(r.value);
            } catch (e) {
              error = e;
            }
            // What was yielded is a prefix of what was there when the iteration started.
            expect(got).toEqual((steps ?? expected).slice(0, got.length));
            if (error === undefined) {
              expect(got).toHaveLength(expected.length);
            } else if (isTurnlogError(error, 'PRUNED')) {
              expect(interference === 'gc' || interference === 'gc+append', `${name}: PRUNED without GC`).toBe(true);
              expect(error.oldestReadable).toBeGreaterThanOrEqual(got.length);
            } else {
              expect(isTurnlogError(error, 'NOT_FOUND'), String(error)).toBe(true);
              expect(interference === 'delete' || interference === 'recreate').toBe(true);
            }
          } finally {
            await h.dispose();
          }
        },
      ),
      propRuns(runsOn(name, { lmdb: 12, memory: 40, postgres: 10 })),
    );
  });
});
