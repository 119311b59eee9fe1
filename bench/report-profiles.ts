import { barChart } from './chart.js';
import { ms, n, table, times, versus } from './report-format.js';
import type { Results } from './results.js';
import type { DiskProfileResult, DiskStoreRow } from './scenarios/disk-profiles.js';

/**
 * The disk-profile parts of the report: the header line, the gateway (saturated and paced) and
 * the single agent on every profile, and one chart per profile. `svg(name, text)` writes a chart
 * and returns the name to link.
 */
const REF = 'turnlog flushed';
const PG = 'turnlog postgres';

/** `sync +2 ms` → `bench-disk-2ms`; the local disk → `bench-disk-local`. */
export const profileChartName = (p: { syncDelayUs: number }): string => `bench-disk-${p.syncDelayUs === 0 ? 'local' : `${p.syncDelayUs / 1000}ms`}`;

const find = (p: DiskProfileResult, peer: string): DiskStoreRow | undefined => p.rows.find((x) => x.peer === peer);
const measured = (r: Results) => r.diskProfiles.profiles.filter((p) => p.skipped === undefined);
const storeNames = (r: Results): string[] => [...new Set(r.diskProfiles.profiles.flatMap((p) => p.rows.map((x) => x.peer)))];
const fsyncOf = (p: DiskProfileResult) => (p.fdatasyncUs === undefined ? 'n/a' : p.fdatasyncUs >= 1000 ? `${n(p.fdatasyncUs / 1000, 1)} ms` : `${n(p.fdatasyncUs)} µs`);

export function profileHeader(r: Results): string[] {
  const d = r.diskProfiles;
  const out = [
    `- Disk profiles: ${d.profiles.map((p) => `${p.name} (one 4 KiB write + fdatasync: ${p.skipped === undefined ? fsyncOf(p) : `skipped, ${p.skipped}`})`).join('; ')}. ` +
      'A slow profile adds a fixed delay to every fsync, fdatasync, syncfs and msync(MS_SYNC) of the process that syncs, and to every write to a file it opened with O_DSYNC or O_SYNC, through a library built from `bench/sync-delay/sync-delay.c` at benchmark time and preloaded (LD_PRELOAD) into each store\'s child process, and into the PostgreSQL server for its rows.',
    `- Event-loop delay: \`monitorEventLoopDelay\` (resolution 1 ms) in the process that writes, while the scenario runs; it records the time between firings of a 1 ms timer, so an idle loop reads p50 ${ms(d.idleLoop.p50Ms)} ms, p99 ${ms(d.idleLoop.p99Ms)} ms on this machine (measured in the run). Where a store never yields between writes, the timer fires once, after the whole scenario.`,
  ];
  const pgInfo = d.postgres;
  if ('skipped' in pgInfo) out.push(`- PostgreSQL on the disk profiles: **rows skipped**, ${pgInfo.skipped}`);
  else out.push(`- PostgreSQL on the disk profiles: ${pgInfo.version}, ${pgInfo.server}, synchronous_commit ${pgInfo.synchronousCommit}.`);
  return out;
}

/** Section 1: a summary across profiles, then per profile its table and chart. */
export function gatewaySection(r: Results, svg: (name: string, text: string) => string): string[] {
  const d = r.diskProfiles;
  const profiles = measured(r);
  const out: string[] = [
    '## 1. Gateway load, on each disk profile',
    '',
    `${d.plan.sessions} sessions, each awaiting its own writes. **Saturated**: every session appends as fast as its writes return, for ${n(d.plan.saturatedSec, 2)} s (writes in flight at the end are awaited and counted). ` +
      `**Paced**: the sessions append on a schedule, ${n(d.plan.pacedPerSec)} appends/s in all (each session every ${n((d.plan.sessions / d.plan.pacedPerSec) * 1000)} ms, staggered), for ${n(d.plan.pacedSec, 2)} s; a store slower than the schedule shows it as fewer appends/s. ` +
      'Each store runs in a child process of its own on each profile, a fresh store per scenario. Loop p50/p99/max: the event-loop delay of that process during the scenario (ms).',
    '',
  ];
  const skips = [
    ...d.profiles.filter((x) => x.skipped !== undefined).map((p) => `- **${p.name} skipped**: ${p.skipped}`),
    ...d.profiles.flatMap((p) => p.skippedStores.map((s) => `- ${s.peer} on ${p.name}: no row, ${s.reason}`)),
  ];
  if (skips.length > 0) out.push(...skips, '');
  out.push(
    'All profiles at a glance (saturated appends/s; event-loop delay p99 under the paced load, ms):',
    '',
    table(
      ['Store', ...profiles.map((p) => `${p.name}, appends/s`), ...profiles.map((p) => `${p.name}, paced loop p99`)],
      storeNames(r).map((peer) => [peer, ...profiles.map((p) => n(find(p, peer)?.saturated.appendsPerSec)), ...profiles.map((p) => ms(find(p, peer)?.paced.loop.p99Ms))]),
    ),
    '',
  );
  for (const p of profiles) {
    const full = find(p, 'sqlite FULL')?.saturated.appendsPerSec;
    const normal = find(p, 'sqlite NORMAL')?.saturated.appendsPerSec;
    out.push(`### ${p.name}: one fdatasync ${fsyncOf(p)}`, '');
    out.push(
      table(
        ['Store', 'saturated appends/s', '÷ sqlite FULL', '÷ sqlite NORMAL', 'loop p50', 'loop p99', 'loop max', 'paced appends/s', 'paced loop p50', 'paced loop p99', 'paced loop max', 'paced append p99 ms'],
        p.rows.map((x) => [
          x.peer,
          n(x.saturated.appendsPerSec),
          times(x.saturated.appendsPerSec, full),
          times(x.saturated.appendsPerSec, normal),
          ms(x.saturated.loop.p50Ms),
          ms(x.saturated.loop.p99Ms),
          ms(x.saturated.loop.maxMs),
          n(x.paced.appendsPerSec),
          ms(x.paced.loop.p50Ms),
          ms(x.paced.loop.p99Ms),
          ms(x.paced.loop.maxMs),
          ms(x.paced.latencyP99Us / 1000),
        ]),
      ),
      '',
    );
    const name = svg(
      profileChartName(p),
      barChart([
        { title: `Saturated gateway, ${p.name}`, xLabel: 'appends/s (log scale)', bars: p.rows.map((x) => ({ name: x.peer, value: x.saturated.appendsPerSec })) },
        { title: `Paced ${n(d.plan.pacedPerSec)}/s: event-loop delay p99`, xLabel: `ms (log scale; an idle loop reads ${ms(d.idleLoop.p50Ms)})`, bars: p.rows.map((x) => ({ name: x.peer, value: x.paced.loop.p99Ms })) },
      ]),
    );
    out.push(`![${p.name}: saturated appends/s and paced event-loop delay p99 per store](${name})`, '');
  }
  return out;
}

/** Section 2: the local disk's table as before (ratios to fdatasync and to turnlog), then every profile. */
export function singleAgentSection(r: Results, fdatasyncUs: number, intro: string[]): string[] {
  const d = r.diskProfiles;
  const local = d.profiles.find((p) => p.syncDelayUs === 0);
  const profiles = measured(r);
  const out: string[] = [
    '## 2. Single agent, on each disk profile',
    '',
    `One session, one awaited append at a time: up to ${n(d.plan.singleMax)} appends, stopping after ${n(d.plan.singleSec, 2)} s once ${n(d.plan.singleMin)} are done; each store in a child process per profile.`,
    '',
    ...intro,
  ];
  if (local !== undefined) {
    const sRef = find(local, REF)?.singleAgent.p50Us;
    const sPg = find(local, PG)?.singleAgent.p50Us;
    const hasPg = sPg !== undefined;
    out.push(
      `On the local disk:`,
      '',
      table(
        ['Store', 'p50 µs', 'p99 µs', 'p50 ÷ one fdatasync', 'turnlog flushed is', ...(hasPg ? ['turnlog postgres is'] : [])],
        local.rows.map((x) => [
          x.peer,
          n(x.singleAgent.p50Us),
          n(x.singleAgent.p99Us),
          `${n(x.singleAgent.p50Us / (local.fdatasyncUs ?? fdatasyncUs), 1)}×`,
          versus(sRef, x.singleAgent.p50Us, false, x.peer === REF),
          ...(hasPg ? [versus(sPg, x.singleAgent.p50Us, false, x.peer === PG)] : []),
        ]),
      ),
      '',
    );
  }
  out.push(
    'Every profile: append latency p50 and p99 (ms) and the event-loop delay p99 (ms) while the agent wrote:',
    '',
    table(
      ['Store', ...profiles.flatMap((p) => [`${p.name} p50`, `${p.name} p99`, `${p.name} loop p99`])],
      storeNames(r).map((peer) => [peer, ...profiles.flatMap((p) => {
        const x = find(p, peer)?.singleAgent;
        return [ms(x === undefined ? undefined : x.p50Us / 1000), ms(x === undefined ? undefined : x.p99Us / 1000), ms(x?.loop.p99Ms)];
      })]),
    ),
    '',
  );
  return out;
}

/** Section 9 on every profile: appends/s of all writers together, and the worst writer's loop delay p99. */
export function multiProcessProfiles(r: Results): string[] {
  const profiles = measured(r);
  const stores = storeNames(r).filter((peer) => profiles.some((p) => find(p, peer)?.multiProcess !== undefined));
  if (stores.length === 0) return [];
  return [
    'Every profile: appends/s of all writers together, and the event-loop delay p99 of the worst writer process (ms):',
    '',
    table(
      ['Store', ...profiles.map((p) => `${p.name}, appends/s`), ...profiles.map((p) => `${p.name}, loop p99`)],
      stores.map((peer) => [peer, ...profiles.map((p) => n(find(p, peer)?.multiProcess?.appendsPerSec)), ...profiles.map((p) => ms(find(p, peer)?.multiProcess?.loop.p99Ms))]),
    ),
    '',
  ];
}
