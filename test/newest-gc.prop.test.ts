import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Message } from '../src/types.js';
import { BACKENDS, runsOn } from './support/harness.js';
import { propRuns } from './support/prop.js';
import { collect } from './support/collect.js';

/**
 * Removals of the newest messages under GC: for any mix of appends, removals, replacements, cuts
 * and GC runs (any `now`, replay window 0) at any checkpoint cadence, every version that stays
 * readable reads exactly what it read when it was written, `last` included, and verify is clean.
 * Removals that reach sealed messages start chunk regions; GC must keep what kept versions read
 * and may drop the rest.
 */
type Op =
  | { kind: 'add'; n: number }
  | { kind: 'pop'; n: number }
  | { kind: 'replace'; n: number; with: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'gc'; back: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), n: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pop' as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), n: fc.integer({ min: 0, max: 3 }), with: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), keep: fc.integer({ min: 0, max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('gc' as const), back: fc.integer({ min: 0, max: 2_000 }) }) },
);

describe.each(BACKENDS)('removals under GC: %s', (name, factory) => {
  it('every readable version reads what it read when written; verify is clean', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4 }), async (ops, checkpointEvery) => {
        const harness = factory();
        const clock = { now: 1_000_000 };
        const log = await harness.open({ checkpointEvery, replayWindow: 0, clock: () => (clock.now += 100) });
        try {
          const seen: Message[][] = [[]]; // seen[v]: the history right after version v
          let serial = 0;
          const fresh = (n: number): Message[] => Array.from({ length: n }, () => ({ role: ++serial % 2 ? 'user' : 'assistant', content: `m${serial}` }));
          for (const op of ops) {
            if (op.kind === 'gc') {
              await log.gc({ now: clock.now - op.back });
              continue;
            }
            const before = (await log.getSession('k'))?.version ?? 0;
            if (op.kind === 'add') await log.addMessages('k', fresh(op.n));
            else if (op.kind === 'pop') await log.removeLast('k', op.n);
            else if (op.kind === 'replace') await log.replaceLast('k', op.n, fresh(op.with));
            else await log.truncateHistory('k', op.keep);
            const version = (await log.getSession('k'))?.version ?? 0;
            if (version > before) seen[version] = await log.getHistory('k');
          }
          const head = (await log.getSession('k'))?.version ?? 0;
          const oldest = (await collect(log.readEvents('k')))[0]?.version ?? head + 1;
          for (let v = Math.max(1, oldest - 1); v <= head; v++) {
            const expected = seen[v];
            if (expected === undefined) continue;
            expect(await log.getHistory('k', { atVersion: v }), `v${v}`).toEqual(expected);
            expect(await log.getHistory('k', { atVersion: v, last: 2 }), `v${v} last 2`).toEqual(expected.slice(-2));
          }
          expect((await log.verify()).mismatches).toEqual([]);
        } finally {
          await log.close();
          await harness.dispose();
        }
      }),
      propRuns(runsOn(name, { lmdb: 25, memory: 100, postgres: 25 })),
    );
  });
});
