import { hasOrphanToolResult } from '../../src/core/history-rules.js';
import type { Message } from '../../src/types.js';
import { HISTORY_PEERS } from '../peers/index.js';
import { inTempDir, nowUs, progress } from '../measure.js';
import { message } from '../workload.js';

/**
 * Scenario 7, picoclaw's #704 workload: an agent loop appends turns (user, assistant with a tool
 * call, tool result, reply) while a background summariser, whenever the history passes 20
 * messages, reads it, "calls the model" (which lasts while the agent appends 5 to 9 more
 * messages, varying), then stores the summary and shortens the history with the store's own
 * calls: SetSummary + TruncateHistory(keep 4) for the peers, setSummary({ through }) for turnlog.
 *
 * Correctness: a message is lost when it is neither in the final history nor covered by the
 * final summary; a broken request is a history, read right after a summarisation, that starts
 * with a tool result whose call was cut (the HTTP 400 of #704).
 */
export interface SummariserRow {
  peer: string;
  durability: string;
  appendsPerSec: number;
  appended: number;
  summarisations: number;
  lost: number;
  brokenRequests: number;
}

const KEEP_LAST = 4;
const TRIGGER = 20;

function tagOf(m: Message): string {
  return String(m.content).split(' ', 1)[0] as string;
}

export async function summariser(turns: number): Promise<SummariserRow[]> {
  const rows: SummariserRow[] = [];
  for (const p of HISTORY_PEERS) {
    progress(`summariser: ${p.name}`);
    rows.push(
      await inTempDir(async (dir) => {
        const store = p.open(dir);
        const key = 'agent';
        let appended = 0;
        let done = false;
        let wake: (() => void) | undefined;
        const waiters: Array<{ at: number; resolve: () => void }> = [];
        const afterAppends = (n: number) => new Promise<void>((resolve) => waiters.push({ at: appended + n, resolve }));
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
            if (store.history(key).length <= TRIGGER) {
              await new Promise<void>((resolve) => (wake = resolve));
              continue;
            }
            const seen = store.snapshot(key);
            await afterAppends(5 + (summarisations % 5));
            // The new summary covers the old one and every message the summariser read.
            summary = [...summary, ...seen.messages.map(tagOf)];
            await store.summarise(key, summary.join(' '), KEEP_LAST, seen);
            summarisations++;
            if (hasOrphanToolResult(store.history(key))) brokenRequests++;
          }
        })();
        try {
          const start = nowUs();
          for (let i = 0; i < turns * 4; i++) {
            await store.append(key, message(i));
            appended++;
            tick();
          }
          const sec = (nowUs() - start) / 1e6;
          done = true;
          tick();
          await background;
          const kept = new Set([...store.history(key).map(tagOf), ...summary]);
          let lost = 0;
          for (let i = 0; i < appended; i++) if (!kept.has(`m${i}`)) lost++;
          return { peer: p.name, durability: store.durability, appendsPerSec: appended / sec, appended, summarisations, lost, brokenRequests };
        } finally {
          done = true;
          tick();
          await store.close();
        }
      }),
    );
  }
  return rows;
}
