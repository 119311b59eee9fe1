import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionLog } from '../src/engine/session-log.js';
import type { Message } from '../src/types.js';
import { BACKENDS, runsOn } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { classifyMessage } from '../src/core/message-shapes.js';
import { ConversationBuilder, DIALECTS, invariantProblem, labelOf, labelShape, turnSpecArb } from './support/dialects.js';
import type { Dialect } from './support/dialects.js';
import { Model, modelCapKeep, modelSafeKeep, modelThroughKeep, plain } from './support/model.js';
import { propRuns } from './support/prop.js';
import { replayEvents } from './support/replay.js';
import { collect } from './support/collect.js';

/**
 * Every message format, and mixes of them: an agent appends its conversation a few messages at a
 * time (so a summariser may read between a call and its result, or between a reasoning item and
 * its call), while a summariser with `through`, safe truncations, compactions (setHistory of the
 * recent whole turns) and a `maxMessages` cap shorten it. At every version the readable history
 * keeps the invariant (read from the generator's labels, not the classifier), the engine agrees
 * with the model (which reads the labels too), and checkpoints agree with a fold of every event.
 */

const KEY = 's';

interface Real {
  harness: Harness;
  log: SessionLog;
  /** The agent's conversation, appended in order from `cursor`. */
  script: ConversationBuilder;
  cursor: number;
  maxMessages: number | undefined;
  checkpointEvery: number;
}

type Cmd = fc.AsyncCommand<Model, Real>;

function expectInvariant(history: Message[], what: string): void {
  expect(invariantProblem(history), what).toBeUndefined();
}

/** Applies the cap like the writer does: a second event when the cap cuts. */
function applyCap(model: Model, real: Real): void {
  if (real.maxMessages === undefined) return;
  const capped = modelCapKeep(model.current(KEY).history, real.maxMessages, labelShape);
  if (capped !== undefined) model.apply(KEY, (s) => ({ ...s, history: capped }));
}

async function check(model: Model, real: Real, what: string): Promise<void> {
  const history = await real.log.getHistory(KEY);
  expect(history, what).toEqual(plain(model.current(KEY).history));
  expect((await real.log.getSession(KEY))?.version ?? 0, what).toBe(model.version(KEY));
  expectInvariant(history, what);
}

const append = (count: number): Cmd => ({
  check: () => true,
  async run(model, real) {
    const batch = real.script.messages.slice(real.cursor, real.cursor + count);
    if (batch.length === 0) return;
    real.cursor += batch.length;
    await real.log.addMessages(KEY, batch);
    model.apply(KEY, (s, v) => ({ ...s, history: [...s.history, ...batch.map((message) => ({ message, addedAt: v }))] }));
    applyCap(model, real);
    await check(model, real, `append ${count}`);
  },
  toString: () => `append(${count})`,
});

const summarise = (back: number): Cmd => ({
  check: () => true,
  async run(model, real) {
    const through = Math.max(0, model.version(KEY) - back);
    await real.log.setSummary(KEY, `up to v${through}`, { through });
    model.apply(KEY, (s) => ({ ...s, summary: `up to v${through}`, history: modelThroughKeep(s.history, through, labelShape) }));
    await check(model, real, `summarise through v${through}`);
  },
  toString: () => `summarise(−${back})`,
});

const truncateSafe = (keep: number): Cmd => ({
  check: () => true,
  async run(model, real) {
    const before = model.current(KEY).history;
    await real.log.truncateHistory(KEY, keep, { safe: true });
    model.apply(KEY, (s) => ({ ...s, history: modelSafeKeep(s.history, keep, labelShape) }));
    await check(model, real, `truncate safe ${keep}`);
    const after = await real.log.getHistory(KEY);
    // A safe cut starts at a user turn (or keeps all, or none).
    if (after.length > 0 && after.length < before.length) expect(labelOf(after[0] as Message).user).toBe(true);
  },
  toString: () => `truncateSafe(${keep})`,
});

/** A compaction: the history replaced by the last `turns` whole turns already appended. */
const compact = (turns: number): Cmd => ({
  check: () => true,
  async run(model, real) {
    const done = real.script.boundaries.filter((b) => b <= real.cursor);
    if (done[done.length - 1] !== real.cursor) return; // only between turns
    const from = done[Math.max(0, done.length - 1 - turns)] as number;
    const messages = real.script.messages.slice(from, real.cursor);
    await real.log.setHistory(KEY, messages);
    model.apply(KEY, (s, v) => ({ ...s, history: messages.map((message) => ({ message, addedAt: v })) }));
    applyCap(model, real);
    await check(model, real, `compact to ${turns} turns`);
  },
  toString: () => `compact(${turns})`,
});

const reopen: Cmd = {
  check: () => true,
  async run(model, real) {
    await real.log.close();
    real.log = await real.harness.open({ checkpointEvery: real.checkpointEvery, ...(real.maxMessages === undefined ? {} : { maxMessages: real.maxMessages }) });
    await check(model, real, 'reopen');
  },
  toString: () => 'reopen',
};

const commands: Array<fc.Arbitrary<Cmd>> = [
  fc.integer({ min: 1, max: 4 }).map(append),
  fc.integer({ min: 1, max: 4 }).map(append),
  fc.integer({ min: 1, max: 4 }).map(append),
  fc.nat({ max: 4 }).map(summarise),
  fc.integer({ min: 0, max: 8 }).map(truncateSafe),
  fc.integer({ min: 1, max: 3 }).map(compact),
  fc.constant(reopen),
];

const CASES: Array<[string, readonly Dialect[]]> = [...DIALECTS.map((d): [string, readonly Dialect[]] => [d, [d]]), ['mixed', DIALECTS]];

describe('the classifier reads every generated message as its label says', () => {
  it('in every format, with dangling calls and approvals', () => {
    fc.assert(
      fc.property(fc.array(turnSpecArb(DIALECTS), { minLength: 1, maxLength: 10 }), (turns) => {
        const script = new ConversationBuilder();
        for (const t of turns) script.turn(t);
        for (const m of script.messages) expect(classifyMessage(m), JSON.stringify(m)).toEqual(labelShape(m));
      }),
      propRuns(200),
    );
  });
});

describe.each(BACKENDS)('message formats: %s', (name, factory) => {
  it.each(CASES)('%s: no orphaned result, no lost reasoning, model and fold agree at every version', async (_, dialects) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(turnSpecArb(dialects), { minLength: 4, maxLength: 10 }),
        fc.commands(commands, { maxCommands: 50 }),
        fc.option(fc.integer({ min: 3, max: 10 }), { nil: undefined }),
        fc.integer({ min: 1, max: 5 }),
        async (turns, cmds, maxMessages, checkpointEvery) => {
          const script = new ConversationBuilder();
          for (const t of turns) script.turn(t);
          const harness = factory();
          try {
            const log = await harness.open({ checkpointEvery, ...(maxMessages === undefined ? {} : { maxMessages }) });
            const real: Real = { harness, log, script, cursor: 0, maxMessages, checkpointEvery };
            await fc.asyncModelRun(() => ({ model: new Model(), real }), cmds);
            if ((await real.log.getSession(KEY)) === undefined) return;
            // checkpoint + tail ≡ a fold of every event, and the invariant, at every version
            const replayed = replayEvents(await collect(real.log.readEvents(KEY)));
            for (let v = 0; v < replayed.length; v++) {
              const h = await real.log.getHistory(KEY, { atVersion: v });
              expect(h, `v${v}`).toEqual(replayed[v]?.history);
              expectInvariant(h, `v${v}`);
            }
          } finally {
            await harness.dispose();
          }
        },
      ),
      propRuns(runsOn(name, { lmdb: 15, memory: 40, postgres: 8 })),
    );
  });
});
