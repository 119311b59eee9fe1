import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TurnlogError } from '../src/errors.js';
import { BACKENDS, runsOn } from './support/harness.js';
import { propRuns } from './support/prop.js';
import { recordFigure } from './support/figures.js';

/**
 * Hostile input: any key, any JSON-like value (odd keys such as __proto__, lone surrogates,
 * huge strings, deep nesting) and things that are not JSON at all (cycles, functions, symbols,
 * undefined in arrays, NaN, class instances). Each write either round-trips exactly (as JSON:
 * properties set to undefined are dropped and -0 reads back as 0, as JSON does) or is rejected
 * with INVALID_ARGUMENT / TOO_LARGE, and a rejected write writes nothing.
 */
const MAX = 64 * 1024;

const oddString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }), // includes lone surrogates
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '', '\u0000', '\ud800', '\udfff'),
);

const hostile: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.string({ unit: 'binary' }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null)),
    fc.constantFrom(undefined, Number.NaN, Infinity, -0, () => 1, Symbol('s'), 10n, new Date(0), new Map(), /re/),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(oddString, tie('value'), { maxKeys: 4 }),
  ),
})).value;

const messageArb = fc.oneof(
  // mostly well-formed messages with arbitrary JSON inside, so round trips are tested as much as rejections
  { weight: 4, arbitrary: fc.record({ role: fc.constantFrom('user', 'assistant', 'tool'), content: fc.jsonValue(), extra: fc.dictionary(oddString, fc.jsonValue(), { maxKeys: 3 }) }) },
  fc.record({ role: fc.oneof(fc.constantFrom('user', 'assistant', 'tool'), oddString), content: hostile }),
  fc.dictionary(oddString, hostile, { maxKeys: 5 }),
  hostile,
  fc.constant('x'.repeat(MAX + 10)).map((content) => ({ role: 'user', content })),
  fc.integer({ min: 200, max: 400 }).map((depth) => {
    let v: unknown = 'leaf';
    for (let i = 0; i < depth; i++) v = [v];
    return { role: 'user', content: v };
  }),
  fc.constant(null).map(() => {
    const m: Record<string, unknown> = { role: 'user' };
    m['self'] = m;
    return m;
  }),
);

const keyArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('k', 'tg:1', 'tg_1', '__proto__') }, oddString, fc.constant('é'.repeat(2049)));

/** JSON's view of a value: what an exact round trip must give back. */
const asJson = (v: unknown): string => JSON.stringify(v);

describe.each(BACKENDS)('fuzzed keys and messages: %s', (name, factory) => {
  it('round-trip exactly or are rejected with nothing written', async () => {
    const h = factory();
    const log = await h.open({ maxMessageBytes: MAX });
    let accepted = 0;
    let rejected = 0;
    try {
      await fc.assert(
        fc.asyncProperty(keyArb, messageArb, async (key, message) => {
          let before = 0;
          try {
            before = (await log.getSession(key))?.version ?? 0;
          } catch (error) {
            expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' }); // a key reads refuse too
          }
          const eventsBefore = (await log.stats()).events;
          let ok = true;
          try {
            await log.addFullMessage(key, message as never);
          } catch (error) {
            ok = false;
            expect(error).toBeInstanceOf(TurnlogError);
            expect(['INVALID_ARGUMENT', 'TOO_LARGE']).toContain((error as TurnlogError).code);
            expect((await log.stats()).events).toBe(eventsBefore);
            rejected++;
          }
          if (ok) {
            accepted++;
            const history = await log.getHistory(key);
            expect((await log.getSession(key))?.version).toBe(before + 1);
            expect(asJson(history[history.length - 1])).toBe(asJson(message));
          }
        }),
        propRuns(runsOn(name, { lmdb: 300, memory: 600, postgres: 300 })),
      );
      // Both outcomes were exercised, so neither branch is vacuous.
      expect(accepted).toBeGreaterThan(10);
      expect(rejected).toBeGreaterThan(10);
      recordFigure('fuzz cases run (keys and messages)', accepted + rejected);
      recordFigure('fuzz cases rejected with INVALID_ARGUMENT/TOO_LARGE and nothing written', rejected);
    } finally {
      await h.dispose();
    }
  });
});
