import { resolve } from 'node:path';
import { openSessionLog } from '../open.js';
import { toPublicEventText } from './render.js';
import { runGateway } from './gateway.js';

/**
 * `npm run demo`: the main job on the default store ($TURNLOG_PATH, else ./.turnlog), then a
 * report and one session's log. The store is left in place for inspection.
 */
const path = resolve(process.env['TURNLOG_PATH'] ?? '.turnlog');
const log = openSessionLog({ path });
try {
  const report = await runGateway(log, { sessions: 8, turns: 12, summariseAbove: 16 });
  const stats = log.stats();
  const rate = Math.round(report.appends / (report.elapsedMs / 1000));
  const out = process.stdout;
  out.write(`turnlog demo — simulated gateway on ${path}\n\n`);
  out.write(`  sessions        ${report.sessions.length} concurrent conversations, ${report.appends} messages appended one await at a time\n`);
  out.write(`  throughput      ${rate.toLocaleString('en-US')} appends/s (durability: flushed to disk)\n`);
  out.write(`  summariser      ${report.summaries} summaries written while the agents kept appending\n`);
  out.write(`  lost messages   ${report.lost}   orphan tool results ${report.orphans}\n`);
  out.write(`  store           ${stats.sessions} sessions, ${stats.events} events\n\n`);
  const key = report.sessions[0] as string;
  const info = log.getSession(key);
  out.write(`Session ${key}: version ${info?.version}, ${info?.messageCount} visible messages\n`);
  out.write(`  summary: ${info?.summary}\n\n`);
  out.write(`Its last 12 events:\n`);
  const from = Math.max(1, (info?.version ?? 0) - 11);
  for (const e of log.readEvents(key, { fromVersion: from })) out.write(`  ${toPublicEventText(e)}\n`);
  out.write(`\nWhat the model would see now (${info?.messageCount} messages):\n`);
  for (const m of log.getHistory(key).slice(-4)) out.write(`  ${m.role.padEnd(9)} ${JSON.stringify(m.content ?? m['tool_calls']).slice(0, 90)}\n`);
  out.write(`\nThe store stays at ${path}. Read it from code with openSessionLog({ path: '${path}' }).\n`);
  if (report.lost > 0 || report.orphans > 0) process.exitCode = 1;
} finally {
  await log.close();
}
