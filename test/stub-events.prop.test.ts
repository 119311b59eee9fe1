import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionLog } from '../src/engine/session-log.js';
import { openSessionLogOn } from '../src/open.js';
import { MemoryBackend } from '../src/storage/memory-backend.js';
import type { Message } from '../src/types.js';
import { collect } from './support/collect.js';
import { propRuns } from './support/prop.js';

/**
 * Packs against a model: any mix of appends, removals and replacements of the newest messages
 * (also into sealed ones), summaries, metadata, cuts and forks, written to a store that never
 * checkpoints (the model: every event whole, no chunks, no packs) and to one that checkpoints at
 * any cadence (packs of stubs). Every version, every page of the event log, replay and the
 * counters read the same; verify is clean.
 */
type Op =
  | { kind: 'add'; n: number }
  | { kind: 'pop'; n: number }
  | { kind: 'replace'; n: number; with: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'summary' }
  | { kind: 'meta' }
  | { kind: 'fork' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('pop' as const), n: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), n: fc.integer({ min: 0, max: 3 }), with: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), keep: fc.integer({ min: 0, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('summary' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('meta' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fork' as const) }) },
);

async function apply(log: SessionLog, ops: Op[]): Promise<void> {
  let serial = 0;
  const fresh = (n: number): Message[] => Array.from({ length: n }, () => ({ role: ++serial % 2 ? 'user' : 'assistant', content: `m${serial} "q" [b] {c}` }));
  for (const op of ops) {
    if (op.kind === 'add') await log.addMessages('k', fresh(op.n));
    else if (op.kind === 'pop') await log.removeLast('k', op.n);
    else if (op.kind === 'replace') await log.replaceLast('k', op.n, fresh(op.with));
    else if (op.kind === 'truncate') await log.truncateHistory('k', op.keep);
    else if (op.kind === 'summary') await log.setSummary('k', `s${serial}`);
    else if (op.kind === 'meta') await log.updateMetadata('k', { n: serial });
    else if ((await log.getSession('k')) !== undefined) {
      await log.deleteSession('f');
      await log.forkSession('k', 'f');
      await log.addMessages('f', fresh(2));
    }
  }
}

async function reads(log: SessionLog): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['k', 'f']) {
    const version = (await log.getSession(key))?.version ?? 0;
    const versions: unknown[] = [];
    for (let v = 1; v <= version; v++) versions.push(await log.getHistory(key, { atVersion: v }));
    const pages: unknown[] = [];
    for (let from = 1; from <= version; from += 3) pages.push(await collect(log.readEvents(key, { fromVersion: from, toVersion: from + 4 })));
    out[key] = { history: await log.getHistory(key, { last: 3 }), versions, pages, events: await collect(log.readEvents(key)), replay: await collect(log.replay(key)), size: (await log.getSessionSize(key))?.events };
  }
  out['events'] = (await log.stats()).events;
  return out;
}

describe('packs against a store that never checkpoints', () => {
  it('every reader reads the same at any checkpoint cadence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 5 }), async (ops, checkpointEvery) => {
        const model = openSessionLogOn(new MemoryBackend(), { clock: () => 1_000_000, checkpointEvery: 1_000_000 });
        const log = openSessionLogOn(new MemoryBackend(), { clock: () => 1_000_000, checkpointEvery, readCacheBytes: 0 });
        try {
          await apply(model, ops);
          await apply(log, ops);
          expect(await reads(log)).toEqual(await reads(model));
          expect((await log.verify()).mismatches).toEqual([]);
        } finally {
          await model.close();
          await log.close();
        }
      }),
      propRuns(40),
    );
  });
});
