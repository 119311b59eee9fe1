import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { openMemorySessionLog, openSessionLogOn } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { isTurnlogError } from '../src/errors.js';
import type { Message } from '../src/types.js';
import { faultyStore } from './support/faulty-backend.js';
import type { FaultyBackend } from './support/faulty-backend.js';
import { propRuns } from './support/prop.js';
import { collect } from './support/collect.js';

/**
 * "A rejected write writes nothing": every write that rejects — a hostile clock, bad options, an
 * oversized value, a conflict, or the storage engine failing in the middle of the transaction —
 * leaves the store logically as it was. A twin store (memory, no faults, sane clock) receives
 * only the writes that resolved; after every step both must read the same, and a rejected step
 * must not change a single read of the store under test.
 */

const KEYS = ['a', 'b', 'c'];
const MAX_BYTES = 256;

const keyArb = fc.constantFrom(...KEYS);
const messageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ role: fc.constant('user'), content: fc.string({ maxLength: 6 }) }),
  fc.record({ role: fc.constant('assistant'), content: fc.string({ maxLength: 6 }) }),
  fc.record({ role: fc.constant('tool'), content: fc.string({ maxLength: 6 }), tool_call_id: fc.constant('t') }),
);
const messagesArb = fc.array(messageArb, { minLength: 1, maxLength: 3 });

type Good =
  | { kind: 'add'; key: string; messages: Message[] }
  | { kind: 'replace'; key: string; messages: Message[] }
  | { kind: 'summary'; key: string; summary: string; throughCurrent: boolean }
  | { kind: 'truncate'; key: string; keep: number; safe: boolean }
  | { kind: 'meta'; key: string; patch: Record<string, unknown> }
  /** removeLast (`with` null) or replaceLast. */
  | { kind: 'pop'; key: string; n: number; with: Message[] | null }
  | { kind: 'delete'; key: string };

const goodArb: fc.Arbitrary<Good> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), key: keyArb, messages: messagesArb }),
  fc.record({ kind: fc.constant('replace' as const), key: keyArb, messages: fc.array(messageArb, { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('summary' as const), key: keyArb, summary: fc.string({ maxLength: 8 }), throughCurrent: fc.boolean() }),
  fc.record({ kind: fc.constant('truncate' as const), key: keyArb, keep: fc.integer({ min: 0, max: 4 }), safe: fc.boolean() }),
  fc.record({ kind: fc.constant('meta' as const), key: keyArb, patch: fc.dictionary(fc.constantFrom('x', 'y', '__proto__'), fc.oneof(fc.integer(), fc.constant(null))) }),
  fc.record({ kind: fc.constant('pop' as const), key: keyArb, n: fc.integer({ min: 0, max: 3 }), with: fc.option(fc.array(messageArb, { maxLength: 2 }), { nil: null }) }),
  fc.record({ kind: fc.constant('delete' as const), key: keyArb }),
);
/** A write of each kind except deletion (which has no options and no clock). */
const writeArb = goodArb.filter((g): g is Exclude<Good, { kind: 'delete' }> => g.kind !== 'delete');

/** Values a clock must not be allowed to put into a record or a key. */
const HOSTILE_CLOCK_VALUES: unknown[] = [NaN, Infinity, -Infinity, 1e400, 'x', '1000', new Date(1000), null, undefined, {}, [], 1e16, -1e16, 10n, true];
const THROWS = Symbol('throws');
/** The clock of the store under test reads the sane time unless a step sets a hostile value. */
const SANE = Symbol('sane');

/** Options no write may accept (some only for a kind that has them; all are checked before the transaction). */
const BAD_OPTIONS: Array<Record<string, unknown>> = [
  { expectedVersion: -1 },
  { expectedVersion: 1.5 },
  { expectedVersion: '1' },
  { eventId: '' },
  { eventId: 7 },
  { eventId: '\ud800' },
  { at: NaN },
  { at: 'x' },
  { at: 1e400 },
  { at: new Date(1000) },
  { at: 9e15 },
  { through: -1 },
  { through: 1e9 },
  { safe: 'yes' },
];

type Bad =
  | { kind: 'clock'; value: unknown; write: Exclude<Good, { kind: 'delete' }> }
  | { kind: 'options'; options: Record<string, unknown>; write: Exclude<Good, { kind: 'delete' }> }
  /** ahead ≥ 2: in a batch, the write before it may already have moved the version by one. */
  | { kind: 'conflict'; ahead: number; write: Exclude<Good, { kind: 'delete' }> }
  | { kind: 'oversize'; what: 'message' | 'replace' | 'summary' | 'patch'; key: string }
  | { kind: 'input'; what: 'role' | 'nan' | 'bigint' | 'hole' | 'empty' | 'keep' | 'patch'; key: string };

const badArb: fc.Arbitrary<Bad> = fc.oneof(
  fc.record({ kind: fc.constant('clock' as const), value: fc.constantFrom<unknown>(...HOSTILE_CLOCK_VALUES, THROWS), write: writeArb }),
  fc.record({ kind: fc.constant('options' as const), options: fc.constantFrom(...BAD_OPTIONS), write: writeArb }),
  fc.record({ kind: fc.constant('conflict' as const), ahead: fc.integer({ min: 2, max: 4 }), write: writeArb }),
  fc.record({ kind: fc.constant('oversize' as const), what: fc.constantFrom('message' as const, 'replace' as const, 'summary' as const, 'patch' as const), key: keyArb }),
  fc.record({ kind: fc.constant('input' as const), what: fc.constantFrom('role' as const, 'nan' as const, 'bigint' as const, 'hole' as const, 'empty' as const, 'keep' as const, 'patch' as const), key: keyArb }),
);

/** In a batch, `through` would be read before the first write applies: give none. */
const batchGoodArb = goodArb.map((g): Good => (g.kind === 'summary' ? { ...g, throughCurrent: false } : g));

type Step =
  | { kind: 'good'; op: Good }
  | { kind: 'bad'; op: Bad }
  /** The storage engine fails at the n-th put of the write transaction. */
  | { kind: 'fault'; failAtPut: number; op: Good }
  /** A good write whose time is -0 (from the clock or `at`): stored as 0, as the twin's `at: 0`. */
  | { kind: 'zero'; via: 'clock' | 'at'; op: Exclude<Good, { kind: 'delete' }> }
  /** Three writes in one event-loop turn (one transaction): the middle one must fail alone. */
  | { kind: 'batch'; first: Good; bad: Bad; last: Good };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: goodArb.map((op) => ({ kind: 'good' as const, op })) },
  { weight: 3, arbitrary: badArb.map((op) => ({ kind: 'bad' as const, op })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fault' as const), failAtPut: fc.integer({ min: 0, max: 8 }), op: goodArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('zero' as const), via: fc.constantFrom('clock' as const, 'at' as const), op: writeArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('batch' as const), first: batchGoodArb, bad: badArb.filter((b) => b.kind !== 'clock'), last: batchGoodArb }) },
);

/** Each key's version, read before a step: its writes are then issued in one turn, as a batch needs. */
type VersionOf = (key: string) => number;

async function versions(log: SessionLog): Promise<VersionOf> {
  const found = new Map<string, number>();
  for (const key of KEYS) found.set(key, (await log.getSession(key))?.version ?? 0);
  return (key) => found.get(key) ?? 0;
}

function runGood(log: SessionLog, version: VersionOf, op: Good, extra: Record<string, unknown> = {}): Promise<unknown> {
  switch (op.kind) {
    case 'add':
      return log.addMessages(op.key, op.messages, extra);
    case 'replace':
      return log.setHistory(op.key, op.messages, extra);
    case 'summary':
      return log.setSummary(op.key, op.summary, { ...(op.throughCurrent ? { through: version(op.key) } : {}), ...extra });
    case 'truncate':
      return log.truncateHistory(op.key, op.keep, { safe: op.safe, ...extra });
    case 'meta':
      return log.updateMetadata(op.key, op.patch, extra);
    case 'pop':
      return op.with === null ? log.removeLast(op.key, op.n, extra) : log.replaceLast(op.key, op.n, op.with, extra);
    case 'delete':
      return log.deleteSession(op.key);
  }
}

function runBad(log: SessionLog, version: VersionOf, op: Bad, setClock: (v: unknown) => void): Promise<unknown> {
  const big = 'x'.repeat(MAX_BYTES + 1);
  switch (op.kind) {
    case 'clock': {
      setClock(op.value);
      try {
        return runGood(log, version, op.write);
      } finally {
        setClock(SANE);
      }
    }
    case 'options': {
      // `through` and `safe` are checked only where they exist; elsewhere they are unknown keys.
      return runGood(log, version, op.write, op.options);
    }
    case 'conflict':
      return runGood(log, version, op.write, { expectedVersion: version(op.write.key) + op.ahead });
    case 'oversize':
      if (op.what === 'message') return log.addMessage(op.key, 'user', big);
      if (op.what === 'replace') return log.setHistory(op.key, [{ role: 'user', content: 'ok' }, { role: 'user', content: big }]);
      if (op.what === 'summary') return log.setSummary(op.key, big);
      return log.updateMetadata(op.key, { big });
    case 'input':
      switch (op.what) {
        case 'role':
          return log.addMessages(op.key, [{ role: 'user', content: 'ok' }, { role: '' }]);
        case 'nan':
          return log.addMessage(op.key, 'user', NaN);
        case 'bigint':
          return log.addMessage(op.key, 'user', { n: 1n });
        case 'hole':
          // eslint-disable-next-line no-sparse-arrays
          return log.addMessage(op.key, 'user', [1, , 3]);
        case 'empty':
          return log.addMessages(op.key, 'not a list' as never);
        case 'keep':
          return log.truncateHistory(op.key, 1.5);
        case 'patch':
          return log.updateMetadata(op.key, [] as unknown as Record<string, unknown>);
      }
  }
}

/** Everything a user can read of the store, as plain data. */
async function snapshot(log: SessionLog): Promise<unknown> {
  const { storage: _storage, ...stats } = await log.stats();
  return {
    sessions: await Promise.all(KEYS.map(async (key) => ({ key, info: await log.getSession(key), history: await log.getHistory(key), summary: await log.getSummary(key), events: await collect(log.readEvents(key)) }))),
    list: await log.listSessions({ limit: 100 }),
    stats,
  };
}

async function settle(p: Promise<unknown>): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    await p;
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

async function runSteps(backend: FaultyBackend, steps: Step[]): Promise<void> {
  let now = 1_000;
  let hostile: unknown = SANE;
  const clock = (): number => {
    if (hostile === THROWS) throw new Error('clock failure');
    return (hostile === SANE ? now : hostile) as number;
  };
  const real = openSessionLogOn(backend, { clock, maxMessageBytes: MAX_BYTES, checkpointEvery: 3 });
  const twin = openMemorySessionLog({ clock: () => now, maxMessageBytes: MAX_BYTES, checkpointEvery: 3 });
  try {
    for (const step of steps) {
      now += 1_000;
      const before = await snapshot(real);
      if (step.kind === 'good') {
        const r = await settle(runGood(real, await versions(real), step.op));
        expect(r).toEqual({ ok: true });
        await runGood(twin, await versions(twin), step.op);
      } else if (step.kind === 'bad') {
        const r = await settle(runBad(real, await versions(real), step.op, (v) => (hostile = v)));
        expect(r.ok, `${JSON.stringify(step.op, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))} must reject`).toBe(false);
        if (!r.ok) expect(isTurnlogError(r.error), String(r.error)).toBe(true);
        expect(await snapshot(real)).toEqual(before);
      } else if (step.kind === 'fault') {
        const version = await versions(real);
        backend.failAtPut = step.failAtPut;
        const r = await settle(runGood(real, version, step.op));
        backend.failAtPut = undefined;
        if (r.ok) await runGood(twin, await versions(twin), step.op);
        else expect(await snapshot(real)).toEqual(before);
      } else if (step.kind === 'zero') {
        const version = await versions(real);
        if (step.via === 'clock') hostile = -0;
        const r = await settle(runGood(real, version, step.op, step.via === 'at' ? { at: -0 } : {}));
        hostile = SANE;
        expect(r).toEqual({ ok: true });
        await runGood(twin, await versions(twin), step.op, { at: 0 });
      } else {
        const version = await versions(real);
        const [first, bad, last] = await Promise.all([settle(runGood(real, version, step.first)), settle(runBad(real, version, step.bad, () => undefined)), settle(runGood(real, version, step.last))]);
        expect([first.ok, bad.ok, last.ok]).toEqual([true, false, true]);
        await runGood(twin, await versions(twin), step.first);
        await runGood(twin, await versions(twin), step.last);
      }
      expect(await snapshot(real)).toEqual(await snapshot(twin));
    }
  } finally {
    await real.close();
    await twin.close();
  }
}

describe.each([['memory' as const, 60], ['lmdb' as const, 15]])('a rejected write writes nothing (%s)', (kind, runs) => {
  let dispose: (() => void) | undefined;
  afterEach(() => dispose?.());

  it('every rejected write leaves every read as it was, and the rest match a twin that saw only the writes that resolved', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 20 }), async (steps) => {
        const store = faultyStore(kind);
        try {
          await runSteps(store.backend, steps);
        } finally {
          store.dispose();
        }
      }),
      propRuns(runs),
    );
  });
});
