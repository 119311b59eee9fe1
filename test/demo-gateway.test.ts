import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGateway } from '../src/demo/gateway.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { openMemorySessionLog, openSessionLog } from '../src/open.js';
import type { SessionEvent } from '../src/types.js';
import { tempDir } from './support/harness.js';

/**
 * The demo's story (docs/cli.md quotes it) must not depend on how fast the store commits: the
 * gateway is run on each store with its calls delayed by a seeded number of event-loop turns, so
 * the chats and the summariser interleave differently in every run, and every run must leave
 * the same logs, histories, summaries, versions and listing order.
 */

const OPTIONS = { sessions: 4, turns: 10, summariseAbove: 16 };

/** A seeded generator of its own (the gateway's may not be used to perturb the gateway). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** `log`, with every call and every event read held back by 0–3 setImmediate turns, chosen by `seed`. */
function jittered(log: SessionLog, seed: number): SessionLog {
  const rnd = lcg(seed);
  const pause = async (): Promise<void> => {
    for (let n = Math.floor(rnd() * 4); n > 0; n--) await new Promise((r) => setImmediate(r));
  };
  return new Proxy(log, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || prop === 'close') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (prop === 'readEvents' || prop === 'replay') {
        return (...args: unknown[]) =>
          (async function* () {
            await pause();
            for await (const e of method.apply(target, args) as AsyncIterable<unknown>) {
              await pause();
              yield e;
            }
          })();
      }
      return async (...args: unknown[]) => {
        await pause();
        const result = await (method.apply(target, args) as Promise<unknown>);
        await pause();
        return result;
      };
    },
  });
}

/** Everything a reader of the store can see of the story, times left out. */
async function story(log: SessionLog): Promise<unknown> {
  const { sessions } = await log.listSessions({ limit: 100 });
  const out = [];
  for (const { key, version, messageCount } of sessions) {
    const events: Array<Omit<SessionEvent, 'at'>> = [];
    for await (const { at: _at, ...e } of log.readEvents(key)) events.push(e);
    out.push({ key, version, messageCount, summary: await log.getSummary(key), history: await log.getHistory(key), events });
  }
  return out;
}

async function run(open: () => SessionLog, seed: number | undefined): Promise<{ story: unknown; summaries: number; events: SessionEvent[] }> {
  const log = open();
  try {
    const report = await runGateway(seed === undefined ? log : jittered(log, seed), OPTIONS);
    expect(report.lost).toBe(0);
    expect(report.orphans).toBe(0);
    const events: SessionEvent[] = [];
    for await (const e of log.readEvents('demo:telegram:1000')) events.push(e);
    return { story: await story(log), summaries: report.summaries, events };
  } finally {
    await log.close();
  }
}

describe('the demo gateway tells the same story whatever the timing', () => {
  it('on the memory store and on LMDB, with and without calls held back by random event-loop turns', async () => {
    const dir = tempDir();
    const memory = (): SessionLog => openMemorySessionLog();
    const lmdb = (name: string) => (): SessionLog => openSessionLog({ path: join(dir, name) });
    const first = await run(memory, undefined);
    // the story shows what the demo exists to show: summaries written while the agent appended
    expect(first.summaries).toBeGreaterThan(OPTIONS.sessions);
    const cuts = first.events.filter((e) => e.type === 'summary.set');
    expect(cuts.length).toBeGreaterThan(0);
    for (const cut of cuts) {
      if (cut.type !== 'summary.set') continue;
      // it landed after messages appended since the version it read (after `through`), which it kept
      const before = first.events.filter((e) => e.version < cut.version && e.version > (cut.through ?? 0));
      expect(before.filter((e) => e.type === 'messages.added').length).toBeGreaterThan(8);
    }
    for (const [name, open, seed] of [
      ['memory, jittered', memory, 1],
      ['memory, jittered otherwise', memory, 2],
      ['lmdb', lmdb('a'), undefined],
      ['lmdb, jittered', lmdb('b'), 3],
    ] as const) {
      const other = await run(open, seed);
      expect(other.summaries, name).toBe(first.summaries);
      expect(other.story, name).toEqual(first.story);
    }
  }, 60_000);
});
