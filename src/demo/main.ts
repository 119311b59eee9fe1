import { resolve } from 'node:path';
import { openSessionLog } from '../open.js';
import { renderReplayStep } from '../cli/render.js';
import { colourWanted, makeStyle } from '../cli/style.js';
import { runGateway } from './gateway.js';

/**
 * `npm run demo`: the main job on the default store ($TURNLOG_PATH, else ./.turnlog): a simulated
 * gateway, a GC pass, a report, and the last turns of one session replayed with the renderer of
 * `turnlog replay`. The store is left in place for the CLI.
 */
const path = resolve(process.env['TURNLOG_PATH'] ?? '.turnlog');
const style = makeStyle(colourWanted(process.stdout, process.env));
const log = openSessionLog({ path, ttl: '30d', replayWindow: '7d' });
try {
  const report = await runGateway(log, { sessions: 8, turns: 12, summariseAbove: 16 });
  const gc = await log.gc();
  const stats = await log.stats();
  const rate = Math.round(report.appends / (report.elapsedMs / 1000));
  const out = (s = ''): void => void process.stdout.write(`${s}\n`);
  out(style.bold(`turnlog demo — a simulated gateway on ${path}`));
  out();
  out(`  sessions        ${report.sessions.length} conversations at once, ${report.appends} messages, each append awaited`);
  out(`  throughput      ${rate.toLocaleString('en-US')} appends/s (durability: flushed to disk before each promise resolved)`);
  out(`  summariser      ${report.summaries} summaries written with setSummary(…, { through }) while the agents kept appending`);
  out(`  lost messages   ${report.lost}   orphan tool results ${report.orphans}`);
  out(`  gc              ${gc.sessionsExpired} expired, ${gc.eventsRemoved} events removed in ${gc.durationMs.toFixed(0)} ms (ttl 30d, replay window 7d)`);
  out(`  store           ${stats.sessions} sessions, ${stats.events} events, ${(stats.logBytes / 1024).toFixed(0)} KB of log`);
  out();
  const key = report.sessions[0] as string;
  const info = await log.getSession(key);
  const from = Math.max(1, (info?.version ?? 0) - 9);
  out(style.bold(`Replay of ${key}, versions ${from}–${info?.version} (what changed in the history the model sees):`));
  for await (const step of log.replay(key, { fromVersion: from })) for (const line of renderReplayStep(step, style)) out(`  ${line}`);
  out();
  out(`The store stays at ${path}. Try:`);
  out(`  npx turnlog sessions --path ${path}`);
  out(`  npx turnlog replay ${key} --path ${path}`);
  if (report.lost > 0 || report.orphans > 0) process.exitCode = 1;
} finally {
  await log.close();
}
