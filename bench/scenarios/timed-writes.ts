import type { HistoryStore } from '../peers/types.js';
import { watchLoopDelay, type LoopDelay } from '../loop-delay.js';
import { median, nowUs, percentile } from '../measure.js';
import { message } from '../workload.js';

/**
 * The write scenarios of the disk profiles, each bounded in time rather than in count: on a
 * slow disk a store that syncs per write does a hundred appends a second, on the local disk
 * tens of thousands, and both must finish in the same few seconds. Each reports the event-loop
 * delay seen while it ran, in the process that writes.
 */

/** Scenario 1: `sessions` sessions appending as fast as their awaited writes allow. */
export interface SaturatedResult {
  sessions: number;
  seconds: number;
  appends: number;
  appendsPerSec: number;
  loop: LoopDelay;
}

/** Every session appends until `seconds` have passed; writes in flight then are awaited and counted. */
export async function saturatedGateway(store: HistoryStore, sessions: number, seconds: number): Promise<SaturatedResult> {
  // One write per session first, outside the timing: sessions exist, connections are open.
  await Promise.all(Array.from({ length: sessions }, (_, s) => store.append(`gw:${s}`, message(0, `s${s}`))));
  let appends = 0;
  const probe = await watchLoopDelay();
  const start = nowUs();
  const deadline = start + seconds * 1e6;
  await Promise.all(
    Array.from({ length: sessions }, async (_, s) => {
      for (let i = 1; nowUs() < deadline; i++) {
        await store.append(`gw:${s}`, message(i, `s${s}`));
        appends++;
      }
    }),
  );
  const sec = (nowUs() - start) / 1e6;
  return { sessions, seconds: sec, appends, appendsPerSec: appends / sec, loop: await probe.stop() };
}

/** Scenario 1b: `sessions` sessions appending on a schedule, `perSec` appends/s in all. */
export interface PacedResult {
  sessions: number;
  /** The schedule's rate; `appendsPerSec` says how much of it the store kept up with. */
  targetPerSec: number;
  seconds: number;
  appends: number;
  appendsPerSec: number;
  /** From the scheduled moment to the write's resolution (µs): includes waiting behind a late schedule. */
  latencyP50Us: number;
  latencyP99Us: number;
  loop: LoopDelay;
}

/**
 * Each session appends every `sessions / perSec` seconds (sessions staggered evenly), awaiting
 * each write; a session behind its schedule appends at once until it catches up. Nothing is
 * started after `seconds`, however far behind: a store slower than the schedule shows it as
 * fewer appends/s, not as a longer run.
 */
export async function pacedGateway(store: HistoryStore, sessions: number, perSec: number, seconds: number): Promise<PacedResult> {
  await Promise.all(Array.from({ length: sessions }, (_, s) => store.append(`pc:${s}`, message(0, `s${s}`))));
  const periodUs = (sessions / perSec) * 1e6;
  const latencies: number[] = [];
  const probe = await watchLoopDelay();
  const start = nowUs();
  const end = start + seconds * 1e6;
  await Promise.all(
    Array.from({ length: sessions }, async (_, s) => {
      for (let i = 1; ; i++) {
        const due = start + (s / sessions) * periodUs + (i - 1) * periodUs;
        if (due >= end || nowUs() >= end) break;
        const wait = due - nowUs();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait / 1000));
        await store.append(`pc:${s}`, message(i, `s${s}`));
        latencies.push(nowUs() - due);
      }
    }),
  );
  const sec = (nowUs() - start) / 1e6;
  return {
    sessions,
    targetPerSec: perSec,
    seconds: sec,
    appends: latencies.length,
    appendsPerSec: latencies.length / sec,
    latencyP50Us: median(latencies),
    latencyP99Us: percentile(latencies, 99),
    loop: await probe.stop(),
  };
}

/** Scenario 2: one session, one awaited append at a time. */
export interface SingleAgentResult {
  appends: number;
  p50Us: number;
  p99Us: number;
  loop: LoopDelay;
}

/** Up to `maxAppends` appends, stopping early once `seconds` have passed (at least `minAppends`). */
export async function timedSingleAgent(store: HistoryStore, maxAppends: number, minAppends: number, seconds: number): Promise<SingleAgentResult> {
  for (let i = 0; i < Math.min(20, minAppends); i++) await store.append('warm-up', message(i));
  const t: number[] = [];
  const probe = await watchLoopDelay();
  const deadline = nowUs() + seconds * 1e6;
  for (let i = 0; i < maxAppends && (i < minAppends || nowUs() < deadline); i++) {
    const s = nowUs();
    await store.append('agent', message(i));
    t.push(nowUs() - s);
  }
  return { appends: t.length, p50Us: median(t), p99Us: percentile(t, 99), loop: await probe.stop() };
}
