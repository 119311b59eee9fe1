import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openMemorySessionLog } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { exportJsonl } from '../src/import/export-jsonl.js';
import { importTurnlogJsonl } from '../src/import/turnlog-jsonl.js';
import type { Message } from '../src/types.js';
import { propRuns } from './support/prop.js';
import { collect } from './support/collect.js';

/**
 * export --format jsonl + import jsonl reproduces every session: for any command sequence with
 * GC (replayWindow 0) at any points, the re-imported store has the same current history,
 * summary, metadata and times for every session; a session GC never touched has the very same
 * events and versions; one with a GC base has the same state at every version after it (shifted
 * by a constant).
 */
const KEYS = ['a', 'b', 'c'];
type Op =
  | { kind: 'add'; key: string; shape: 'user' | 'turn' | 'tools' | 'reply'; id: boolean }
  | { kind: 'summary'; key: string; back: number | null; id: boolean }
  | { kind: 'truncate'; key: string; keep: number; safe: boolean; id: boolean }
  | { kind: 'replace'; key: string; n: number }
  | { kind: 'meta'; key: string; field: string; value: number | null }
  | { kind: 'pop'; key: string; n: number; with: number; id: boolean }
  | { kind: 'delete'; key: string }
  | { kind: 'tick'; ms: number }
  | { kind: 'gc'; back: number };

const key = fc.oneof({ weight: 4, arbitrary: fc.constant('a') }, fc.constantFrom(...KEYS)); // one long session, two short
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), key, shape: fc.constantFrom('user' as const, 'turn' as const, 'tools' as const, 'reply' as const), id: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('summary' as const), key, back: fc.option(fc.integer({ min: 0, max: 8 }), { freq: 4 }), id: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), key, keep: fc.integer({ min: 0, max: 6 }), safe: fc.boolean(), id: fc.boolean() }) },
  fc.record({ kind: fc.constant('replace' as const), key, n: fc.integer({ min: 0, max: 3 }) }),
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pop' as const), key, n: fc.integer({ min: 0, max: 4 }), with: fc.integer({ min: -1, max: 2 }), id: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('meta' as const), key, field: fc.constantFrom('x', 'y', '__proto__'), value: fc.option(fc.integer()) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 5000 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('gc' as const), back: fc.integer({ min: 0, max: 1500 }) }) },
);

let serial = 0;
function messages(shape: 'user' | 'turn' | 'tools' | 'reply'): Message[] {
  const n = ++serial;
  const call = { role: 'assistant', content: '', tool_calls: [{ id: `c${n}`, type: 'function', function: { name: 'f', arguments: '{}' } }] };
  const result = { role: 'tool', content: `r${n}`, tool_call_id: `c${n}` };
  switch (shape) {
    case 'user':
      return [{ role: 'user', content: `u${n}` }];
    case 'turn':
      return [{ role: 'user', content: `q${n}` }, call, result, { role: 'assistant', content: `a${n}` }];
    case 'tools':
      return [call, result];
    case 'reply':
      return [{ role: 'assistant', content: `a${n}` }];
  }
}

/** A write made with an eventId, to be retried on both stores after the round trip. */
type Retry = (log: SessionLog) => Promise<unknown>;

async function run(log: SessionLog, op: Op, clock: { now: number }, retries: Retry[] = []): Promise<void> {
  const swallowPruned = (e: { code?: string }): void => {
    if (e.code !== 'PRUNED') throw e; // a `through` GC collected: refused at write time
  };
  /** Runs `write` with a fresh eventId when `id`, and keeps it for a retry. */
  const withId = async (id: boolean, write: (l: SessionLog, o: { eventId?: string }) => Promise<unknown>): Promise<unknown> => {
    if (!id) return write(log, {});
    const o = { eventId: `e${++serial}` };
    const result = await write(log, o);
    // Only a recorded change has a retry (a refused one, a `through` GC collected, has not).
    retries.push((l) => write(l, o));
    return result;
  };
  switch (op.kind) {
    case 'add': {
      const m = messages(op.shape);
      await withId(op.id, (l, o) => l.addMessages(op.key, m, o));
      return;
    }
    case 'summary': {
      const v = (await log.getSession(op.key))?.version ?? 0;
      const through = op.back === null ? {} : { through: Math.max(0, v - op.back) };
      const text = `s${++serial}`;
      await withId(op.id, (l, o) => l.setSummary(op.key, text, { ...through, ...o })).then(() => undefined, swallowPruned);
      return;
    }
    case 'truncate':
      await withId(op.id, (l, o) => l.truncateHistory(op.key, op.keep, { safe: op.safe, ...o }));
      return;
    case 'replace':
      await log.setHistory(op.key, Array.from({ length: op.n }, () => ({ role: 'user', content: `r${++serial}` })));
      return;
    case 'pop':
      // removeLast (with −1), else replaceLast by `with` new messages.
      if (op.with < 0) await withId(op.id, (l, o) => l.removeLast(op.key, op.n, o));
      else {
        const m = Array.from({ length: op.with }, () => ({ role: 'assistant', content: `p${++serial}` }));
        await withId(op.id, (l, o) => l.replaceLast(op.key, op.n, m, o));
      }
      return;
    case 'meta':
      await log.updateMetadata(op.key, JSON.parse(`{${JSON.stringify(op.field)}:${JSON.stringify(op.value)}}`) as Record<string, unknown>);
      return;
    case 'delete':
      await log.deleteSession(op.key);
      return;
    case 'tick':
      clock.now += op.ms;
      return;
    case 'gc':
      // replayWindow 0 with `now` moved back: the base lands on any old-enough checkpoint, so
      // events (summaries with `through` among them) stay after it.
      await log.gc({ now: clock.now - op.back });
      return;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'turnlog-roundtrip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Exports `src` as jsonl and imports it into a fresh store (with the given maxMessages); returns it. */
async function roundTrip(src: SessionLog, maxMessages?: number): Promise<SessionLog> {
  const keys = (await src.listSessions({ limit: 1000 })).sessions.map((s) => s.key);
  let text = '';
  await exportJsonl(src, keys, (s) => (text += s));
  const file = join(dir, `dump-${++serial}.jsonl`);
  writeFileSync(file, text);
  const dst = openMemorySessionLog(maxMessages === undefined ? {} : { maxMessages });
  const report = await importTurnlogJsonl(dst, file);
  expect(report.problems).toEqual([]);
  expect(report.sessions.every((s) => s.status === 'imported')).toBe(true);
  rmSync(file);
  return dst;
}

async function expectSame(src: SessionLog, dst: SessionLog): Promise<void> {
  const keys = (await src.listSessions({ limit: 1000 })).sessions.map((s) => s.key).sort();
  expect((await dst.listSessions({ limit: 1000 })).sessions.map((s) => s.key).sort()).toEqual(keys);
  for (const k of keys) {
    const a = await src.getSession(k);
    const b = await dst.getSession(k);
    if (a === undefined || b === undefined) throw new Error(`${k} missing`);
    expect(await dst.getHistory(k)).toEqual(await src.getHistory(k));
    expect({ ...b, version: 0 }).toEqual({ ...a, version: 0 }); // summary, metadata, count, times
    expect(JSON.stringify(b.metadata)).toBe(JSON.stringify(a.metadata)); // key order too
    const events = await collect(src.readEvents(k));
    const base = (events[0]?.version ?? a.version + 1) - 1;
    if (base === 0) {
      expect(await collect(dst.readEvents(k))).toEqual(events); // untouched by GC: the very same log
      expect(b.version).toBe(a.version);
    }
    // Every version from the base on, shifted by a constant.
    const shift = b.version - a.version;
    for (let v = Math.max(base, 1); v <= a.version; v++) {
      const at = { atVersion: v + shift };
      expect(await dst.getHistory(k, at)).toEqual(await src.getHistory(k, { atVersion: v }));
      const sa = await src.getSession(k, { atVersion: v });
      const sb = await dst.getSession(k, at);
      expect({ ...sb, version: 0, createdAt: 0 }).toEqual({ ...sa, version: 0, createdAt: 0 });
    }
  }
}

describe('export jsonl → import jsonl', () => {
  it('reproduces every session after any commands and GC runs, capped stores too, and keeps retries idempotent', async () => {
    const cap = fc.option(fc.integer({ min: 1, max: 8 }), { freq: 2 });
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 4 }), cap, cap, async (ops, checkpointEvery, srcCap, dstCap) => {
        const clock = { now: 1_700_000_000_000 };
        const capOpt = srcCap === null ? {} : { maxMessages: srcCap };
        const src = openMemorySessionLog({ clock: () => (clock.now += 100), checkpointEvery, replayWindow: 0, ...capOpt }); // every event 100 ms later
        try {
          const retries: Retry[] = [];
          for (const op of ops) await run(src, op, clock, retries);
          expect((await src.verify()).mismatches).toEqual([]);
          const dst = await roundTrip(src, dstCap ?? undefined);
          try {
            await expectSame(src, dst);
            // And once more: an exported copy exports and imports the same.
            const again = await roundTrip(dst, dstCap ?? undefined);
            try {
              await expectSame(src, again);
              // Every retry of a change made with an eventId gets the same answer everywhere.
              const outcome = (p: Promise<unknown>): Promise<unknown> =>
                p.then(
                  (r) => ((r as { duplicate?: boolean }).duplicate === true ? 'duplicate' : 'written'),
                  (e: { code?: string }) => e.code,
                );
              for (const retry of retries) {
                const want = await outcome(retry(src));
                expect(await outcome(retry(dst))).toBe(want);
                expect(await outcome(retry(again))).toBe(want);
              }
            } finally {
              await again.close();
            }
          } finally {
            await dst.close();
          }
        } finally {
          await src.close();
        }
      }),
      propRuns(300),
    );
  });

  it('a summary whose `through` fell below the GC base cuts exactly where it cut (regression)', async () => {
    let now = 0;
    const src = openMemorySessionLog({ clock: () => now, replayWindow: 0, checkpointEvery: 2 });
    const at = (t: number): void => void (now = t);
    at(1000);
    await src.addMessage('k', 'user', 'm0'); // v1
    await src.addMessage('k', 'user', 'm1'); // v2 (checkpoint)
    await src.updateMetadata('k', { channel: 'telegram' }); // v3
    await src.addMessage('k', 'user', 'm2'); // v4 (checkpoint)
    at(5000);
    await src.addMessage('k', 'user', 'm3'); // v5
    await src.setSummary('k', 'the first two', { through: 2 }); // v6: m0 and m1 go
    await src.addMessage('k', 'user', 'm4'); // v7
    await src.gc({ now: 4000 }); // base v4: v6's `through` (2) is below it; the metadata is in the base
    expect((await collect(src.readEvents('k')))[0]?.version).toBe(5);
    expect((await src.getHistory('k')).map((m) => m.content)).toEqual(['m2', 'm3', 'm4']);
    const dst = await roundTrip(src);
    expect((await dst.getHistory('k')).map((m) => m.content)).toEqual(['m2', 'm3', 'm4']);
    expect((await dst.getSession('k'))?.metadata).toEqual({ channel: 'telegram' });
    await expectSame(src, dst);
    await src.close();
    await dst.close();
  });
});
