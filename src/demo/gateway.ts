import { hasOrphanToolResult } from '../core/history-rules.js';
import type { SessionLog } from '../engine/session-log.js';
import type { Message, SessionEvent } from '../types.js';

/**
 * A simulated chat gateway: several conversations at once, each turn a user question, a tool
 * call, its result and an answer; a background summariser that compacts long sessions while the
 * agent loops keep appending (the race that broke picoclaw, done safely with `through`).
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

/** Small deterministic PRNG so every run tells the same story. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CITIES = ['Lisbon', 'Osaka', 'Nairobi', 'Quito', 'Tromsø', 'Hobart', 'Lima', 'Oslo'];
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function turn(session: number, i: number, rnd: () => number): Message[] {
  const city = CITIES[Math.floor(rnd() * CITIES.length)] as string;
  const id = `call_${session}_${i}`;
  const weather = { city, tempC: Math.round(rnd() * 35), sky: rnd() > 0.5 ? 'clear' : 'rain' };
  // The answer says what the tool returned (only its wording varies): this demo is about a
  // history that stays true.
  const sky = weather.sky === 'clear' ? 'sunny' : 'raining';
  const answer = rnd() > 0.5 ? `It is ${sky} in ${city}, ${weather.tempC} °C.` : `${city}: ${weather.tempC} °C and ${sky}.`;
  return [
    { role: 'user', content: `What's the weather in ${city}?` },
    { role: 'assistant', content: '', tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city }) } }] },
    { role: 'tool', tool_call_id: id, content: JSON.stringify(weather) },
    { role: 'assistant', content: answer },
  ];
}

/** The version just before the event that added the n-th newest message visible at `version`. */
async function versionBeforeLast(log: SessionLog, key: string, version: number, n: number): Promise<number> {
  // Up to `version` only: the agents keep appending while this reads.
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

export async function runGateway(log: SessionLog, options: { sessions: number; turns: number; summariseAbove: number }): Promise<GatewayReport> {
  const rnd = prng(42);
  const keys = Array.from({ length: options.sessions }, (_, i) => `demo:telegram:${1000 + i}`);
  for (const key of keys) await log.deleteSession(key); // a re-run starts from the same state
  let appends = 0;
  let summaries = 0;
  const written = new Map<string, string[]>(keys.map((k) => [k, []]));
  const summarised = new Map<string, string[]>(keys.map((k) => [k, []]));
  const summaryCounts = new Map<string, number>();
  let running = true;
  const started = performance.now();

  const agents = keys.map(async (key, s) => {
    await log.updateMetadata(key, { channel: 'telegram', chatId: 1000 + s, model: 'demo-model' });
    for (let i = 0; i < options.turns; i++) {
      for (const message of turn(s, i, rnd)) {
        // One awaited append per message, as an agent loop does while it streams a turn.
        await log.addFullMessage(key, message);
        written.get(key)?.push(JSON.stringify(message));
        appends++;
      }
      await tick();
    }
  });

  const summariser = (async () => {
    while (running) {
      for (const key of keys) {
        const info = await log.getSession(key);
        if (info === undefined || info.messageCount <= options.summariseAbove) continue;
        // read the history together with its version (the agents may append between two reads)…
        const history = await log.getHistory(key, { atVersion: info.version });
        // Cut only after a finished turn, so no tool call is separated from its result, and keep
        // the last two turns (one event per message, four messages per turn) verbatim.
        const last = history[history.length - 1];
        if (last?.role !== 'assistant' || last['tool_calls'] !== undefined) continue;
        const through = await versionBeforeLast(log, key, info.version, 8);
        await tick(); // …the "LLM call": the agent loop keeps appending meanwhile…
        const folded = history.slice(0, -8);
        const asked = (summaryCounts.get(key) ?? 0) + folded.filter((m) => m.role === 'user').length;
        summaryCounts.set(key, asked);
        const cities = [...new Set(folded.map((m) => /weather in (\p{L}+)/u.exec(String(m.content))?.[1]).filter(Boolean))].join(', ');
        const text = `The user has asked about the weather ${asked} times so far${cities ? `, lately in ${cities}` : ''}.`;
        await log.setSummary(key, text, { through }); // …and only what was read up to `through` is dropped.
        summarised.get(key)?.push(...folded.map((m) => JSON.stringify(m)));
        summaries++;
      }
      await tick();
    }
  })();

  await Promise.all(agents);
  running = false;
  await summariser;
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
