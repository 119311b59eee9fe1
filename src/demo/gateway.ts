import { hasOrphanToolResult } from '../core/history-rules.js';
import type { SessionLog } from '../engine/session-log.js';
import type { SessionEvent } from '../types.js';
import { ChatProgress } from './chat-progress.js';
import { chatRandom, turn, TURN_LENGTH } from './turns.js';

/**
 * A simulated chat gateway: several conversations at once, each turn a user question, a tool
 * call, its result and an answer; a background summariser that compacts long sessions while the
 * agent loops keep appending (the race that broke picoclaw, done safely with `through`).
 *
 * The story is the same on every run, whatever the machine and however long commits take: each
 * chat draws from its own generator, and where a summary lands in a chat's log is fixed by
 * signals between that chat's agent and the summariser (chat-progress.ts), not by timing. What
 * varies from run to run is only how the chats' writes interleave in the store, which no
 * session's log shows.
 */
export interface GatewayReport {
  sessions: string[];
  appends: number;
  summaries: number;
  elapsedMs: number;
  /** Messages the agents wrote that are neither visible nor folded into a summary: must be 0. */
  lost: number;
  /** Sessions whose history starts with a tool result that lost its call: must be 0. */
  orphans: number;
}

export interface GatewayOptions {
  /** Conversations run at once. */
  sessions: number;
  /** Turns per conversation (each turn is four appended messages). */
  turns: number;
  /** A chat is summarised at the end of a turn when more messages than this are visible. */
  summariseAbove: number;
}

/**
 * Messages an agent appends while the summariser's "LLM call" for its chat is in flight: the
 * summary is read at the end of a turn and lands after the next turn's question and tool call,
 * between the call and its result; `through` keeps both.
 */
export const SUMMARY_LAG = 2;
/** Turns a summary leaves verbatim (the newest ones, at the version it read). */
const KEEP_TURNS = 2;

/** The version just before the event that added the n-th newest message visible at `version`. */
async function versionBeforeLast(log: SessionLog, key: string, version: number, n: number): Promise<number> {
  // Up to `version` only: the agent keeps appending while this reads.
  const events: SessionEvent[] = [];
  for await (const e of log.readEvents(key, { fromVersion: Math.max(1, version - 4 * n), toVersion: version })) events.push(e);
  let seen = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e?.type === 'messages.added') seen += e.messages.length;
    if (seen >= n) return (e?.version ?? 1) - 1;
  }
  return 0;
}

export async function runGateway(log: SessionLog, options: GatewayOptions): Promise<GatewayReport> {
  const keys = Array.from({ length: options.sessions }, (_, i) => `demo:telegram:${1000 + i}`);
  // A re-run starts from the same state; the chats are created in key order, one after the other.
  for (const [s, key] of keys.entries()) {
    await log.deleteSession(key);
    await log.updateMetadata(key, { channel: 'telegram', chatId: 1000 + s, model: 'demo-model' });
  }
  let appends = 0;
  let summaries = 0;
  const written = new Map<string, string[]>(keys.map((k) => [k, []]));
  const summarised = new Map<string, string[]>(keys.map((k) => [k, []]));
  const summaryCounts = new Map<string, number>();
  const jobs: Array<Promise<void>> = [];
  const started = performance.now();

  /** The summariser's work for one request: read at `version`, "call the LLM", write with `through`. */
  async function summarise(key: string, progress: ChatProgress, version: number): Promise<void> {
    const landsAt = progress.appended + SUMMARY_LAG;
    // Read the history at the version the agent reported (it keeps appending meanwhile)…
    const history = await log.getHistory(key, { atVersion: version });
    if (history.length <= options.summariseAbove) return;
    // The request comes at the end of a turn, so the cut falls after a finished turn; the last
    // turns (one event per message) stay verbatim.
    const keep = KEEP_TURNS * TURN_LENGTH;
    const through = await versionBeforeLast(log, key, version, keep);
    await progress.reached(landsAt); // …the "LLM call" lasts while the agent appends SUMMARY_LAG more…
    const folded = history.slice(0, -keep);
    const asked = (summaryCounts.get(key) ?? 0) + folded.filter((m) => m.role === 'user').length;
    summaryCounts.set(key, asked);
    const cities = [...new Set(folded.map((m) => /weather in (\p{L}+)/u.exec(String(m.content))?.[1]).filter(Boolean))].join(', ');
    const text = `The user has asked about the weather ${asked} times so far${cities ? `, lately in ${cities}` : ''}.`;
    await log.setSummary(key, text, { through }); // …and only what was read up to `through` is dropped.
    summarised.get(key)?.push(...folded.map((m) => JSON.stringify(m)));
    summaries++;
  }

  let previousDone: Promise<void> = Promise.resolve();
  const agents = keys.map((key, s) => {
    const mayFinish = previousDone;
    const done = (async () => {
      const rnd = chatRandom(s);
      const progress = new ChatProgress();
      for (let i = 0; i < options.turns; i++) {
        const messages = turn(s, i, rnd);
        for (const [m, message] of messages.entries()) {
          // The chats end in key order (each one's last answer waits for the chat before it to
          // finish), so the store's newest-first listing is the same on every run; everything
          // before that runs concurrently.
          if (i === options.turns - 1 && m === messages.length - 1) await mayFinish;
          // One awaited append per message, as an agent loop does while it streams a turn.
          const { version } = await log.addFullMessage(key, message);
          written.get(key)?.push(JSON.stringify(message));
          appends++;
          const landing = progress.appendedOne();
          if (landing !== undefined) await landing; // the summary in flight lands here, not earlier or later
          // A finished turn (not the last: nothing would follow it) is handed to the summariser.
          if (m === messages.length - 1 && i < options.turns - 1) {
            const job = summarise(key, progress, version);
            job.catch(() => undefined); // awaited below and at its landing point: not unhandled meanwhile
            jobs.push(job);
            progress.expect(progress.appended + SUMMARY_LAG, job);
          }
        }
      }
    })();
    previousDone = done;
    return done;
  });

  await Promise.all(agents);
  await Promise.all(jobs);
  const elapsedMs = performance.now() - started;

  let lost = 0;
  let orphans = 0;
  for (const key of keys) {
    const history = await log.getHistory(key);
    if (hasOrphanToolResult(history)) orphans++;
    const kept = new Set([...history.map((m) => JSON.stringify(m)), ...(summarised.get(key) ?? [])]);
    for (const m of written.get(key) ?? []) if (!kept.has(m)) lost++;
  }
  return { sessions: keys, appends, summaries, elapsedMs, lost, orphans };
}
