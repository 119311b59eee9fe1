import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionLog } from '../src/engine/session-log.js';
import type { DiffMessage, Message, SessionDiff } from '../src/types.js';
import { BACKENDS, runsOn } from './support/harness.js';
import { propRuns } from './support/prop.js';
import type { Harness } from './support/harness.js';
import type { ModelState } from './support/model.js';
import { Model, modelIdUse, modelRecordId, modelRemoveLast, modelSafeKeep, modelThroughKeep, plain } from './support/model.js';
import { replayEvents } from './support/replay.js';
import { collect } from './support/collect.js';

interface Real {
  harness: Harness;
  log: SessionLog;
  checkpointEvery: number;
}

const KEYS = ['a', 'b', 'tg:1'];
const keyArb = fc.constantFrom(...KEYS);
const idArb = fc.constantFrom('c', 'd');
// Every message format the history rules read, with few call ids so calls and results meet.
const messageArb: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ role: fc.constant('user'), content: fc.string({ maxLength: 8 }) }),
  fc.record({ role: fc.constant('assistant'), content: fc.string({ maxLength: 8 }), extra: fc.option(fc.integer(), { nil: undefined }) }, { requiredKeys: ['role', 'content'] }),
  fc.record({ role: fc.constant('tool'), content: fc.string({ maxLength: 8 }), tool_call_id: idArb }),
  fc.uniqueArray(idArb, { minLength: 1, maxLength: 2 }).map((ids) => ({ role: 'assistant', content: null, tool_calls: ids.map((id) => ({ id, type: 'function' })) })),
  idArb.map((callId) => ({ type: 'function_call', callId, name: 'f', arguments: '{}' })),
  idArb.map((call_id) => ({ type: 'function_call_output', call_id, output: 'x' })),
  fc.constant({ type: 'reasoning', summary: [] }),
  idArb.map((id) => ({ role: 'assistant', content: [{ type: 'tool_use', id, name: 'f', input: {} }] })),
  idArb.map((tool_use_id) => ({ role: 'user', content: [{ type: 'tool_result', tool_use_id, content: 'x' }] })),
  fc.constant({ opaque: [1, { deep: true }] }),
);
const messagesArb = (min: number) => fc.array(messageArb, { minLength: min, maxLength: 4 });

/**
 * The diff the model expects: messages by identity, summary, metadata fields (as JSON). The
 * model has no positions: those of `real` are checked to be in order and are taken as given.
 */
function modelDiff(key: string, versions: ModelState[], from: number, to: number, real: SessionDiff): SessionDiff {
  const a = versions[from] as ModelState;
  const b = versions[to] as ModelState;
  const only = (x: ModelState, y: ModelState, got: DiffMessage[]): DiffMessage[] => {
    const inY = new Set(y.history);
    const positions = got.map((g) => g.position);
    expect(positions).toEqual([...positions].sort((p, q) => p - q));
    return x.history.filter((m) => !inY.has(m)).map((m, i) => ({ position: got[i]?.position ?? -1, message: m.message }));
  };
  const metadata: SessionDiff['metadata'] = { added: {}, removed: {}, changed: {} };
  const define = (o: Record<string, unknown>, k: string, v: unknown): void => void Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  for (const [k, v] of Object.entries(a.metadata)) {
    if (!Object.hasOwn(b.metadata, k)) define(metadata.removed, k, v);
    else if (JSON.stringify(v) !== JSON.stringify(b.metadata[k])) define(metadata.changed, k, { before: v, after: b.metadata[k] });
  }
  for (const [k, v] of Object.entries(b.metadata)) if (!Object.hasOwn(a.metadata, k)) define(metadata.added, k, v);
  return {
    key,
    fromVersion: from,
    toVersion: to,
    added: only(b, a, real.added),
    removed: only(a, b, real.removed),
    messageCount: { before: a.history.length, after: b.history.length },
    ...(a.summary === b.summary ? {} : { summary: { before: a.summary, after: b.summary } }),
    metadata,
  };
}

async function check(model: Model, real: Real, key: string): Promise<void> {
  const state = model.current(key);
  expect(await real.log.getHistory(key)).toEqual(plain(state.history));
  expect(await real.log.getSummary(key)).toBe(state.summary);
  const info = await real.log.getSession(key);
  if (model.sessions.has(key)) {
    expect(info).toMatchObject({ version: model.version(key), messageCount: state.history.length, metadata: state.metadata });
  } else {
    expect(info).toBeUndefined();
  }
}

type Cmd = fc.AsyncCommand<Model, Real>;

const write = (name: string, key: string, run: (log: SessionLog) => Promise<unknown>, apply: (m: Model) => void): Cmd => ({
  check: () => true,
  async run(model, real) {
    await run(real.log);
    apply(model);
    await check(model, real, key);
  },
  toString: () => name,
});

const commands: Array<fc.Arbitrary<Cmd>> = [
  fc.tuple(keyArb, messagesArb(1)).map(([k, ms]) =>
    write(`add(${k}, ${ms.length})`, k, (l) => l.addMessages(k, ms), (m) => void m.apply(k, (s, v) => ({ ...s, history: [...s.history, ...ms.map((message) => ({ message, addedAt: v }))] }))),
  ),
  fc.tuple(keyArb, messagesArb(0)).map(([k, ms]) =>
    write(`setHistory(${k}, ${ms.length})`, k, (l) => l.setHistory(k, ms), (m) => void m.apply(k, (s, v) => ({ ...s, history: ms.map((message) => ({ message, addedAt: v })) }))),
  ),
  fc.tuple(keyArb, fc.integer({ min: -1, max: 6 }), fc.boolean()).map(([k, n, safe]) =>
    write(`truncate(${k}, ${n}, ${safe})`, k, (l) => l.truncateHistory(k, n, { safe }), (m) =>
      void m.apply(k, (s) => ({ ...s, history: safe ? modelSafeKeep(s.history, n) : n <= 0 ? [] : s.history.slice(-n) })),
    ),
  ),
  fc.tuple(keyArb, fc.string({ maxLength: 6 }), fc.option(fc.nat({ max: 5 }), { nil: undefined })).map(([k, text, back]) => ({
    check: () => true,
    async run(model: Model, real: Real) {
      const through = back === undefined ? undefined : Math.max(0, model.version(k) - back);
      await real.log.setSummary(k, text, through === undefined ? {} : { through });
      model.apply(k, (s) => ({ ...s, summary: text, history: through === undefined ? s.history : modelThroughKeep(s.history, through) }));
      await check(model, real, k);
    },
    toString: () => `summary(${k}, through −${back})`,
  })),
  fc.tuple(keyArb, fc.dictionary(fc.constantFrom('x', 'y', 'z', '__proto__'), fc.oneof(fc.integer(), fc.constant(null)))).map(([k, patch]) =>
    write(`meta(${k}, ${JSON.stringify(patch)})`, k, (l) => l.updateMetadata(k, patch), (m) =>
      void m.apply(k, (s) => {
        const md: Record<string, unknown> = {};
        for (const [f, v] of Object.entries(s.metadata)) Object.defineProperty(md, f, { value: v, enumerable: true, writable: true, configurable: true });
        for (const [f, v] of Object.entries(patch)) {
          if (v === null) delete md[f];
          else Object.defineProperty(md, f, { value: v, enumerable: true, writable: true, configurable: true });
        }
        return { ...s, metadata: md };
      }),
    ),
  ),
  keyArb.map((k) => ({
    check: () => true,
    async run(model: Model, real: Real) {
      expect(await real.log.deleteSession(k)).toBe(model.delete(k));
      await check(model, real, k);
    },
    toString: () => `delete(${k})`,
  })),
  fc.tuple(keyArb, fc.boolean()).map(([k, stale]) => ({
    check: () => true,
    async run(model: Model, real: Real) {
      const expectedVersion = model.version(k) + (stale ? 1 : 0);
      const result = real.log.addMessage(k, 'user', 'cond', { expectedVersion });
      if (stale) await expect(result).rejects.toMatchObject({ code: 'CONFLICT', actual: model.version(k) });
      else {
        await result;
        model.apply(k, (s, v) => ({ ...s, history: [...s.history, { message: { role: 'user', content: 'cond' }, addedAt: v }] }));
      }
      await check(model, real, k);
    },
    toString: () => `conditional(${k}, stale=${stale})`,
  })),
  fc.tuple(keyArb, fc.constantFrom('e1', 'e2')).map(([k, id]) => ({
    check: () => true,
    async run(model: Model, real: Real) {
      const seen = model.sessions.get(k)?.eventIds.get(id);
      const r = await real.log.addMessage(k, 'user', id, { eventId: id });
      if (seen !== undefined) expect(r).toEqual({ version: seen, duplicate: true });
      else model.apply(k, (s, v) => ({ ...s, history: [...s.history, { message: { role: 'user', content: id }, addedAt: v }] }), id);
      await check(model, real, k);
    },
    toString: () => `idempotent(${k}, ${id})`,
  })),
  // Removing and replacing the newest messages: a change of nothing is written only with an id.
  fc.tuple(keyArb, fc.nat({ max: 5 })).map(([k, n]) => ({
    check: () => true,
    async run(model: Model, real: Real) {
      const { kept, removed } = modelRemoveLast(model.current(k).history, n);
      const r = await real.log.removeLast(k, n);
      expect(r.removed).toEqual(plain(removed));
      if (removed.length > 0) model.apply(k, (s) => ({ ...s, history: kept }));
      expect(r.version).toBe(model.version(k));
      await check(model, real, k);
    },
    toString: () => `removeLast(${k}, ${n})`,
  })),
  fc.tuple(keyArb, fc.nat({ max: 4 }), messagesArb(0)).map(([k, n, ms]) => ({
    check: () => true,
    async run(model: Model, real: Real) {
      const { kept, removed } = modelRemoveLast(model.current(k).history, n);
      const r = await real.log.replaceLast(k, n, ms);
      expect(r.removed).toEqual(plain(removed));
      if (removed.length > 0 || ms.length > 0) model.apply(k, (s, v) => ({ ...s, history: [...kept, ...ms.map((message) => ({ message, addedAt: v }))] }));
      await check(model, real, k);
    },
    toString: () => `replaceLast(${k}, ${n}, ${ms.length})`,
  })),
  fc.tuple(keyArb, fc.nat({ max: 6 }), fc.double({ min: 0, max: 1, noNaN: true })).map(([k, n, frac]) => ({
    check: () => true,
    async run(model: Model, real: Real) {
      const v = Math.floor(frac * model.version(k));
      const history = model.sessions.get(k)?.versions[v]?.history ?? [];
      expect(await real.log.getHistory(k, { atVersion: v, last: n })).toEqual(n === 0 ? [] : plain(history.slice(-n)));
      expect(await real.log.getHistory(k, { last: n })).toEqual(n === 0 ? [] : plain(model.current(k).history.slice(-n)));
    },
    toString: () => `last(${k}, ${n}, at ${frac.toFixed(2)})`,
  })),
  // Fingerprinted ids, shared by different kinds of change: same change → duplicate, other → CONFLICT.
  fc.tuple(keyArb, fc.constantFrom('p1', 'p2'), fc.constantFrom('add', 'empty', 'pop', 'replace'), fc.constantFrom('x', 'y')).map(([k, id, kind, text]) => ({
    check: () => true,
    async run(model: Model, real: Real) {
      const change = JSON.stringify(kind === 'empty' ? [kind] : [kind, text]);
      const use = modelIdUse(model, k, id, change);
      const o = { eventId: id };
      const run = (): Promise<{ version: number; duplicate?: boolean }> => {
        if (kind === 'add') return real.log.addMessage(k, 'user', text, o);
        if (kind === 'empty') return real.log.addMessages(k, [], o);
        if (kind === 'pop') return real.log.removeLast(k, text === 'x' ? 1 : 2, o);
        return real.log.replaceLast(k, 1, [{ role: 'assistant', content: text }], o);
      };
      if (use === 'conflict') {
        await expect(run()).rejects.toMatchObject({ code: 'CONFLICT' });
      } else if (use !== 'new') {
        expect(await run()).toMatchObject({ version: use, duplicate: true });
      } else {
        const r = await run();
        const version = model.apply(k, (s, v) => {
          if (kind === 'add') return { ...s, history: [...s.history, { message: { role: 'user', content: text }, addedAt: v }] };
          if (kind === 'empty') return s;
          if (kind === 'pop') return { ...s, history: modelRemoveLast(s.history, text === 'x' ? 1 : 2).kept };
          return { ...s, history: [...modelRemoveLast(s.history, 1).kept, { message: { role: 'assistant', content: text }, addedAt: v }] };
        });
        expect(r.version).toBe(version);
        modelRecordId(model, k, id, change, version);
      }
      await check(model, real, k);
    },
    toString: () => `fingerprinted(${k}, ${id}, ${kind} ${text})`,
  })),
  // forkSession: a new session holding the source's state at a version (all copied messages
  // count as added at the fork's version 1); CONFLICT onto a session that exists.
  fc.tuple(keyArb, keyArb, fc.nat()).map(([src, dst, pick]) => ({
    check: () => true,
    async run(model: Model, real: Real) {
      const v = pick % (model.version(src) + 1);
      const result = real.log.forkSession(src, dst, { atVersion: v });
      if (src === dst) await expect(result).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      else if (!model.sessions.has(src)) await expect(result).rejects.toMatchObject({ code: 'NOT_FOUND' });
      else if (model.sessions.has(dst)) await expect(result).rejects.toMatchObject({ code: 'CONFLICT' });
      else {
        const from = model.sessions.get(src)?.versions[v] as ModelState;
        expect(await result).toEqual({ version: 1, forkedFrom: { key: src, version: v }, messageCount: from.history.length });
        model.apply(dst, () => ({ history: from.history.map((m) => ({ message: m.message, addedAt: 1 })), summary: from.summary, metadata: { ...from.metadata } }));
      }
      await check(model, real, src);
      await check(model, real, dst);
    },
    toString: () => `fork(${src} → ${dst}, pick ${pick})`,
  })),
  // diff between two versions: messages told apart by identity in the model (a kept message is
  // the same object; a replaced one, even with equal content, is another).
  // (Versions picked as picks modulo the count: doubles in [0, 1] cluster at 0 and 1.)
  fc.tuple(keyArb, fc.nat(), fc.nat()).map(([k, p1, p2]) => ({
    check: (m: Readonly<Model>) => m.sessions.has(k),
    async run(model: Model, real: Real) {
      const from = p1 % (model.version(k) + 1);
      const to = p2 % (model.version(k) + 1);
      const versions = model.sessions.get(k)?.versions as ModelState[];
      const d = await real.log.diff(k, { fromVersion: from, toVersion: to });
      expect(d).toEqual(modelDiff(k, versions, from, to, d));
    },
    toString: () => `diff(${k}, pick ${p1} → ${p2})`,
  })),
  fc.constant<Cmd>({
    check: () => true,
    async run(model, real) {
      await real.log.close();
      real.log = await real.harness.open({ checkpointEvery: real.checkpointEvery });
      for (const k of KEYS) await check(model, real, k);
    },
    toString: () => 'reopen',
  }),
  fc.tuple(keyArb, fc.double({ min: 0, max: 1, noNaN: true })).map(([k, frac]) => ({
    check: (m: Readonly<Model>) => m.sessions.has(k),
    async run(model: Model, real: Real) {
      const v = Math.floor(frac * model.version(k));
      const state = model.sessions.get(k)?.versions[v];
      expect(await real.log.getHistory(k, { atVersion: v })).toEqual(plain(state?.history ?? []));
      expect(await real.log.getSummary(k, { atVersion: v })).toBe(state?.summary ?? '');
    },
    toString: () => `readAt(${k}, ${frac.toFixed(2)})`,
  })),
];

describe.each(BACKENDS)('model-based: %s', (name, factory) => {
  it('random command sequences match the array model, across reopen', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'large' }), fc.integer({ min: 1, max: 6 }), async (cmds, checkpointEvery) => {
        const harness = factory();
        try {
          const real: Real = { harness, log: await harness.open({ checkpointEvery }), checkpointEvery };
          await fc.asyncModelRun(() => ({ model: new Model(), real }), cmds);
          // checkpoint + tail ≡ a fold of every event, at every version
          for (const k of KEYS) {
            const events = await collect(real.log.readEvents(k));
            const replayed = replayEvents(events);
            for (let v = 0; v < replayed.length; v++) {
              expect(await real.log.getHistory(k, { atVersion: v }), `${k}@${v}`).toEqual(replayed[v]?.history);
              expect(await real.log.getSummary(k, { atVersion: v })).toBe(replayed[v]?.summary);
            }
          }
          expect((await real.log.verify()).mismatches).toEqual([]);
        } finally {
          await harness.dispose();
        }
      }),
      propRuns(runsOn(name, { lmdb: 40, memory: 100, postgres: 30 })),
    );
  });
});
