import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionLog } from '../src/engine/session-log.js';
import { BACKENDS, runsOn } from './support/harness.js';
import { propRuns } from './support/prop.js';

/**
 * For any workload, GC at any time with any options changes no live session's current history,
 * summary, metadata or version — before and after reopening — and the store still verifies.
 */
const KEYS = ['a', 'b', 'c'];
type Op =
  | { kind: 'add'; key: string; n: number }
  | { kind: 'truncate'; key: string; keep: number }
  | { kind: 'summary'; key: string; back: number }
  | { kind: 'replace'; key: string; n: number }
  | { kind: 'meta'; key: string; v: number }
  | { kind: 'tick'; ms: number }
  | { kind: 'gc'; window: number; dry: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), key: fc.constantFrom(...KEYS), n: fc.integer({ min: 1, max: 3 }) }) },
  fc.record({ kind: fc.constant('truncate' as const), key: fc.constantFrom(...KEYS), keep: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ kind: fc.constant('summary' as const), key: fc.constantFrom(...KEYS), back: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('replace' as const), key: fc.constantFrom(...KEYS), n: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ kind: fc.constant('meta' as const), key: fc.constantFrom(...KEYS), v: fc.integer() }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 5000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('gc' as const), window: fc.constantFrom(0, 1000, 10_000, Infinity), dry: fc.boolean() }) },
);

function state(log: SessionLog): Promise<unknown> {
  return Promise.all(KEYS.map(async (k) => ({ h: await log.getHistory(k), s: await log.getSummary(k), i: await log.getSession(k) })));
}

describe.each(BACKENDS)('GC never changes what an agent sees: %s', (name, factory) => {
  it('holds for random workloads and GC runs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 60 }), fc.integer({ min: 1, max: 5 }), async (ops, checkpointEvery) => {
        const h = factory();
        let now = 1_000_000;
        const clock = () => now;
        try {
          let log = await h.open({ clock, checkpointEvery, replayWindow: Infinity });
          for (const op of ops) {
            switch (op.kind) {
              case 'add':
                await log.addMessages(op.key, Array.from({ length: op.n }, (_, i) => ({ role: i === 0 ? 'user' : 'assistant', content: `${now}-${i}` })));
                break;
              case 'truncate':
                await log.truncateHistory(op.key, op.keep, { safe: op.keep % 2 === 0 });
                break;
              case 'summary': {
                const v = (await log.getSession(op.key))?.version ?? 0;
                await log.setSummary(op.key, `s${now}`, { through: Math.max(0, v - op.back) }).catch((e: { code?: string }) => {
                  if (e.code !== 'PRUNED') throw e; // its `through` was collected: refused, not guessed
                });
                break;
              }
              case 'replace':
                await log.setHistory(op.key, Array.from({ length: op.n }, () => ({ role: 'user', content: `r${now}` })));
                break;
              case 'meta':
                await log.updateMetadata(op.key, { v: op.v });
                break;
              case 'tick':
                now += op.ms;
                break;
              case 'gc': {
                const before = await state(log);
                await log.close();
                const gcLog = await h.open({ clock, checkpointEvery, replayWindow: op.window });
                await gcLog.gc({ dryRun: op.dry });
                expect(await state(gcLog)).toEqual(before);
                const v = await gcLog.verify();
                expect(v.mismatches).toEqual([]);
                await gcLog.close();
                log = await h.open({ clock, checkpointEvery, replayWindow: Infinity });
                expect(await state(log)).toEqual(before);
                break;
              }
            }
          }
          expect((await log.verify()).ok).toBe(true);
        } finally {
          await h.dispose();
        }
      }),
      propRuns(runsOn(name, { lmdb: 25, memory: 80, postgres: 25 })),
    );
  });
});
