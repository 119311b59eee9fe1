import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * How long the event loop was kept from running a timer while a workload ran: what every other
 * callback of the process (a websocket, an HTTP request, a timer) waits when the store blocks the
 * thread. Node's monitorEventLoopDelay with a 1 ms resolution: a 1 ms libuv timer, and the
 * histogram records the time between its firings, so an idle loop reads about 1.1 ms (the run
 * records that floor too) and a 10 ms synchronous sync shows up as about 11 ms. The same probe
 * as the figures the targets are stated in; a finer one would need a second thread.
 */
export interface LoopDelay {
  /** Percentiles and maximum of the histogram, ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Samples taken (about one per ms the loop was free to run the timer). */
  samples: number;
}

export interface LoopDelayProbe {
  /** Lets the loop reach its timers once more (a store that never yielded is measured too), then reads the histogram. */
  stop(): Promise<LoopDelay>;
}

/**
 * Starts the probe; resolves once its timer has fired, since Node's first firing only starts the
 * clock (a reset would stop it again): the block that follows is then measured from its start.
 * The wait itself may add one idle reading.
 */
export async function watchLoopDelay(): Promise<LoopDelayProbe> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  await new Promise((r) => setTimeout(r, 3));
  return {
    async stop() {
      // A workload of synchronous calls chained by promises never lets the timer fire: the
      // first firing after it records the whole block.
      await new Promise((r) => setTimeout(r, 2));
      h.disable();
      const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : NaN);
      return h.count === 0 ? { p50Ms: NaN, p99Ms: NaN, maxMs: NaN, samples: 0 } : { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max), samples: h.count };
    },
  };
}

/** The probe's reading on a loop with nothing to do for `ms`: the floor under every figure. */
export async function idleLoopDelay(ms: number): Promise<LoopDelay> {
  const probe = await watchLoopDelay();
  await new Promise((r) => setTimeout(r, ms));
  return probe.stop();
}

export interface Blocking<T> {
  result: T;
  ms: number;
  /** The largest wall-clock gap between two turns of a setImmediate loop. */
  longestGapMs: number;
  /** The largest CPU time the process used between two turns: the block the work itself caused (the wall gap also holds time the OS gave to other processes). */
  longestGapCpuMs: number;
  /** 99th percentile of the wall-clock gaps. */
  p99GapMs: number;
  /** perf_hooks' event-loop delay maximum. */
  delayMaxMs: number;
}

/** Runs `work` while measuring how long the event loop was kept from turning. */
export async function blocking<T>(work: () => Promise<T>): Promise<Blocking<T>> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const gaps: number[] = [];
  let longestGapCpuMs = 0;
  let running = true;
  const tick = (): void => {
    const t = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    gaps.push(t - last);
    longestGapCpuMs = Math.max(longestGapCpuMs, (cpu.user + cpu.system) / 1000);
    last = t;
    lastCpu = process.cpuUsage();
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  running = false;
  histogram.disable();
  gaps.sort((a, b) => a - b);
  return {
    result,
    ms,
    longestGapMs: gaps.at(-1) ?? 0,
    longestGapCpuMs,
    p99GapMs: gaps[Math.floor(gaps.length * 0.99)] ?? 0,
    delayMaxMs: histogram.max / 1e6,
  };
}

export const blockFigures = (prefix: string, b: Blocking<unknown>): Record<string, number> => ({
  [`${prefix}LongestBlockMs`]: round1(Math.max(b.longestGapMs, b.delayMaxMs)),
  [`${prefix}LongestBlockCpuMs`]: round1(b.longestGapCpuMs),
  [`${prefix}P99BlockMs`]: round1(b.p99GapMs),
});

const round1 = (x: number): number => Number(x.toFixed(1));
