import { hasOrphanToolResult } from '../../src/core/history-rules.js';
import type { Message } from '../../src/types.js';
import { historyPeers } from '../peers/index.js';
import type { HistoryPeer } from '../peers/types.js';
import { inTempDir, nowUs, progress } from '../measure.js';
import { FORMATS, TURN_LENGTH, formatMessage, tagOf } from '../workload.js';
import type { Format } from '../workload.js';

/**
 * Scenario 7, picoclaw's #704 workload: an agent loop appends turns (user, assistant with a tool
 * call, tool result, reply) while a background summariser, whenever the history passes 20
 * messages, reads it, "calls the model" (which lasts while the agent appends 5 to 9 more
 * messages, varying), then stores the summary and shortens the history with the store's own
 * calls: SetSummary + TruncateHistory(keep 4) for the peers, setSummary({ through }) for turnlog.
 *
 * Every store runs the Chat Completions conversation; turnlog also runs it as OpenAI Responses
 * items (a reasoning item before each call), Anthropic Messages and AI SDK ModelMessages (the
 * other peers store Chat columns and cannot hold those shapes).
 *
 * Correctness: a message is lost when it is neither in the final history nor covered by the
 * final summary; a broken request is a history, read right after a summarisation, that holds a
 * tool result whose call was cut (the HTTP 400 of #704), or, in Responses, starts with a call
 * whose reasoning item was cut (also an HTTP 400).
 */
export interface SummariserRow {
  peer: string;
  /** The message format of the conversation (absent in results from before formats: chat). */
  format?: Format;
  durability: string;
  appendsPerSec: number;
  appended: number;
  summarisations: number;
  lost: number;
  brokenRequests: number;
}

const KEEP_LAST = 4;
const TRIGGER = 20;

/** What a model API would refuse: an orphaned result, or a call without the reasoning before it. */
function broken(history: Message[]): boolean {
  return hasOrphanToolResult(history) || history[0]?.['type'] === 'function_call';
}

export async function summariser(turns: number): Promise<SummariserRow[]> {
  const rows: SummariserRow[] = [];
  for (const p of historyPeers()) rows.push(await run(p.name, p.open, 'chat', turns));
  for (const format of FORMATS.filter((f) => f !== 'chat')) {
    for (const p of historyPeers().filter((x) => x.name.startsWith('turnlog'))) rows.push(await run(p.name, p.open, format, turns));
  }
  return rows;
}

async function run(name: string, open: HistoryPeer, format: Format, turns: number): Promise<SummariserRow> {
  progress(`summariser: ${name}, ${format}`);
  return inTempDir(async (dir) => {
    const store = await open(dir);
    const key = 'agent';
    let appended = 0;
    let done = false;
    let wake: (() => void) | undefined;
    const waiters: Array<{ at: number; resolve: () => void }> = [];
    // Once the agent is done no tick comes any more: a wait begun after that would never end
    // (a read that takes a round trip can straddle the agent's last append).
    const afterAppends = (n: number) => (done ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ at: appended + n, resolve })));
    const tick = () => {
      for (let i = waiters.length - 1; i >= 0; i--) {
        const w = waiters[i] as { at: number; resolve: () => void };
        if (appended >= w.at || done) {
          waiters.splice(i, 1);
          w.resolve();
        }
      }
      wake?.();
    };
    let summary: string[] = [];
    let summarisations = 0;
    let brokenRequests = 0;
    const background = (async () => {
      while (!done) {
        if ((await store.history(key)).length <= TRIGGER) {
          if (done) break;
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        const seen = await store.snapshot(key);
        await afterAppends(5 + (summarisations % 5));
        // The new summary covers the old one and every message the summariser read.
        summary = [...summary, ...seen.messages.map((m) => tagOf(m) ?? '?')];
        await store.summarise(key, summary.join(' '), KEEP_LAST, seen);
        summarisations++;
        if (broken(await store.history(key))) brokenRequests++;
      }
    })();
    try {
      const start = nowUs();
      for (let i = 0; i < turns * TURN_LENGTH[format]; i++) {
        await store.append(key, formatMessage(format, i));
        appended++;
        tick();
      }
      const sec = (nowUs() - start) / 1e6;
      done = true;
      tick();
      await background;
      const kept = new Set([...(await store.history(key)).map((m) => tagOf(m) ?? '?'), ...summary]);
      let lost = 0;
      for (let i = 0; i < appended; i++) if (!kept.has(`m${i}`)) lost++;
      return { peer: name, format, durability: store.durability, appendsPerSec: appended / sec, appended, summarisations, lost, brokenRequests };
    } finally {
      done = true;
      tick();
      await store.close();
    }
  });
}
