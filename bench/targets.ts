import type { Results } from './results.js';

/** The targets, evaluated on one run's results: ratios, never absolute times. */
export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  met: boolean;
}

const row = <T extends { peer: string }>(rows: readonly T[], peer: string): T | undefined => rows.find((r) => r.peer === peer);

export function checkTargets(r: Results): TargetCheck[] {
  const out: TargetCheck[] = [];
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? NaN : a / b);
  const push = (name: string, target: string, value: number, met: boolean, unit = '×') =>
    out.push({ name, target, measured: Number.isFinite(value) ? `${value.toFixed(2)}${unit}` : 'n/a', met: Number.isFinite(value) && met });

  const gw = r.scenarios.gateway;
  const gNormal = ratio(row(gw, 'turnlog flushed')?.appendsPerSec, row(gw, 'sqlite NORMAL')?.appendsPerSec);
  push('Gateway load (saturated), local disk, turnlog flushed ÷ sqlite NORMAL (appends/s)', '≥ 2×', gNormal, gNormal >= 2);

  // The disk profiles: turnlog flushed is durable at commit, sqlite NORMAL is not.
  for (const p of r.diskProfiles.profiles) {
    const sat = (peer: string) => row(p.rows, peer)?.saturated.appendsPerSec;
    if (p.syncDelayUs <= 2000) {
      const full = ratio(sat('turnlog flushed'), sat('sqlite FULL'));
      push(`Gateway load (saturated), ${p.name}, turnlog flushed ÷ sqlite FULL (appends/s)`, '≥ 5×', full, full >= 5);
    }
    const normal = ratio(sat('turnlog flushed'), sat('sqlite NORMAL'));
    push(`Gateway load (saturated), ${p.name}, turnlog flushed ÷ sqlite NORMAL (appends/s)`, '≥ 1×', normal, normal >= 1);
  }
  const slowest = r.diskProfiles.profiles.find((p) => p.syncDelayUs === 8000);
  const loop = slowest === undefined ? NaN : (row(slowest.rows, 'turnlog flushed')?.paced.loop.p99Ms ?? NaN);
  push(`Event-loop delay p99, paced gateway (${r.diskProfiles.plan.pacedPerSec.toLocaleString('en-US')} appends/s), sync +8 ms, turnlog flushed`, '≤ 2 ms', loop, loop <= 2, ' ms');

  const sa = r.scenarios.singleAgent;
  const sFull = ratio(row(sa, 'turnlog flushed')?.p50Us, row(sa, 'sqlite FULL')?.p50Us);
  push('Single agent, turnlog flushed ÷ sqlite FULL (p50 latency)', '≤ 2×', sFull, sFull <= 2);

  const rd = r.scenarios.read;
  const size = String(r.sizes.readMid);
  const rMid = ratio(row(rd, 'turnlog flushed')?.ms[size], row(rd, 'sqlite NORMAL')?.ms[size]);
  push(`Read ${size} messages, turnlog ÷ sqlite NORMAL (ms)`, '≤ 0.5×', rMid, rMid <= 0.5);

  const dp = row(r.scenarios.depth, 'turnlog flushed')?.ratio ?? NaN;
  push(`Depth, append at ${r.sizes.depthDeep} ÷ at ${r.sizes.depthShallow} messages`, '≤ 1.3×', dp, dp <= 1.3);

  const sm = r.scenarios.summariser.filter((x) => x.peer.startsWith('turnlog'));
  const smBad = sm.reduce((sum, x) => sum + x.lost + x.brokenRequests, 0);
  const smFormats = new Set(sm.map((x) => x.format ?? 'chat')).size;
  push(`Summariser (#704), turnlog in ${smFormats} message formats: lost + broken requests`, '0', smBad, smBad === 0 && smFormats >= 4, '');

  const big = String(r.sizes.listLargest);
  const list = row(r.scenarios.list, 'turnlog flushed')?.listMs[big] ?? NaN;
  push(`List newest 50 of ${big} sessions`, '≤ 1 ms', list, list <= 1, ' ms');

  // Where SQLite was ahead (issue 17, section 3): metadata update and list at the largest size,
  // a 100-message read, bytes on disk for the same histories.
  const lRow = row(r.scenarios.list, 'turnlog flushed');
  const lFull = row(r.scenarios.list, 'sqlite FULL');
  const upd = ratio(lRow?.updateMs[big], lFull?.updateMs[big]);
  push(`Metadata update at ${big} sessions, turnlog flushed ÷ sqlite FULL (ms)`, '≤ 1×', upd, upd <= 1);
  const lst = ratio(lRow?.listMs[big], lFull?.listMs[big]);
  push(`List newest 50 of ${big} sessions, turnlog ÷ sqlite FULL (ms)`, '≤ 1×', lst, lst <= 1);
  const small = String(r.sizes.read[0]);
  const sqliteRead = Math.min(row(rd, 'sqlite FULL')?.ms[small] ?? NaN, row(rd, 'sqlite NORMAL')?.ms[small] ?? NaN);
  const rSmall = ratio(row(rd, 'turnlog flushed')?.ms[small], sqliteRead);
  push(`Read ${small} messages, turnlog ÷ sqlite (ms)`, '≤ 1×', rSmall, rSmall <= 1);
  const bytes = ratio(row(r.scenarios.coldStart.rows, 'turnlog')?.fileMb, row(r.scenarios.coldStart.rows, 'sqlite')?.fileMb);
  // Sessions this short never reach a checkpoint: every event is stored whole (the bytes after a
  // checkpoint cycle are measured by bench/layout-bytes.ts; see the analysis).
  push(`Bytes on disk for the same ${r.scenarios.coldStart.events.toLocaleString('en-US')} events in sessions of ${r.sizes.coldStartEventsPerSession} messages (before any checkpoint), turnlog ÷ sqlite`, '≤ 1×', bytes, bytes <= 1);

  // Commits off the event loop (issue 17, section 1): this checkout against the commit before.
  const off = r.scenarios.commitOffLoop;
  if (off !== undefined) {
    const at = (delay: number, side: 'before' | 'after') => off.rows.find((x) => x.syncDelayUs === delay && x.side === side);
    for (const delay of [...new Set(off.rows.map((x) => x.syncDelayUs))]) {
      const name = delay === 0 ? 'local disk' : `sync +${delay / 1000} ms`;
      const sat = ratio(at(delay, 'after')?.saturatedAppendsPerSec, at(delay, 'before')?.saturatedAppendsPerSec);
      push(`Saturated gateway after ÷ before commits left the event loop, ${name} (appends/s)`, delay === 0 ? '≥ 0.9×' : '≥ 1×', sat, sat >= (delay === 0 ? 0.9 : 1));
    }
    const single = ratio(at(0, 'after')?.singleP50Us, at(0, 'before')?.singleP50Us);
    push('Single agent after ÷ before commits left the event loop, local disk (p50)', '≤ 1.2×', single, single <= 1.2);
  }

  const cold = row(r.scenarios.coldStart.rows, 'turnlog')?.totalMs ?? NaN;
  push(`Cold start, open + first getHistory (${r.scenarios.coldStart.events.toLocaleString('en-US')} events)`, '≤ 50 ms', cold, cold <= 50, ' ms');
  return out;
}
