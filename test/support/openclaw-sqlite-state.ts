import { join } from 'node:path';
import { AgentDbWriter, FRAMES, compressed, header, msg } from './openclaw-sqlite.js';
import type { Generation } from './openclaw-sqlite.js';

/**
 * An openclaw state directory of the SQLite era with two agents, one case per session:
 *
 * agents/main (schema 23):
 * - agent:main:main: the current window (after a reset) has a branched transcript (one entry on
 *   an abandoned branch), two compressed events, and a compaction that keeps from c0000003; the
 *   window before it was moved to the cold tier (a zstd archive). 9 messages, 4 archived.
 * - agent:main:telegram:direct:42: two windows (a rollover), both with their rows. 4 messages, 2 archived.
 * - agent:main:cron:nightly: a window without a transcript: metadata only.
 * - agent:main:broken: entry_json is not JSON: not imported.
 * - agent:main:damaged: rows that cannot be read (not JSON, not zstd, a wrong UTF-8 length)
 *   between readable ones: those left out, 2 messages imported.
 * - global: also in agents/ops: imported from main only.
 * agents/ops (schema 19, every event as TEXT): agent:ops:main (3 messages), global.
 */

export const T0 = Date.parse('2026-09-20T08:15:00.000Z');

export const MAIN_ENTRY = { sessionId: 'w-main-2', updatedAt: T0 + 120_000, channel: 'telegram', chatType: 'direct', model: 'claude-sonnet-4-6', label: 'Dana', displayName: 'Dana (Lisbon trip)', inputTokens: 4210, outputTokens: 1630, skillsSnapshot: null };

const t = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

export function writeMainAgent(file: string, generation: Generation = 23, options: { wal?: boolean; checkpoint?: boolean } = {}): AgentDbWriter {
  const w = new AgentDbWriter(file, generation, { ...options, agentId: 'main' });
  w.node('agent:main:main', 'w-main-2', MAIN_ENTRY, MAIN_ENTRY.updatedAt)
    .window('w-main-2', 'agent:main:main', 'a1b2c3d4-0000-4000-8000-00000000000a', 'reset', T0)
    .events('w-main-2', [
      header('w-main-2', t(0)),
      msg('c0000001', null, 'user', 'Plan three days in Lisbon', t(1)),
      msg('c0000002', 'c0000001', 'assistant', [{ type: 'text', text: 'Sure. Any budget for hotels?' }], t(5)),
      msg('c0000003', 'c0000002', 'user', 'Under 120 EUR a night', t(40)),
      generation >= 23 ? compressed('event') : (JSON.parse(FRAMES.event.text) as Record<string, unknown>),
      msg('c0000005', 'c0000004', 'assistant', [{ type: 'toolCall', id: 'toolu_01HotelSearch', name: 'hotel_search', arguments: { city: 'Lisbon', max: 120 } }], t(60)),
      generation >= 23 ? compressed('toolOutput') : (JSON.parse(FRAMES.toolOutput.text) as Record<string, unknown>),
      msg('b0000007', 'c0000006', 'assistant', [{ type: 'text', text: 'an answer the user regenerated' }], t(70)),
      { type: 'compaction', id: 'c0000008', parentId: 'c0000006', timestamp: t(80), summary: 'Dana plans three days in Lisbon, hotels under 120 EUR.', firstKeptEntryId: 'c0000003', tokensBefore: 9100 },
      msg('c0000009', 'c0000008', 'assistant', [{ type: 'text', text: 'Top pick: Hotel Alfama 1 at 89 EUR.' }], t(120)),
    ]);
  if (generation >= 21) w.archive('a1b2c3d4-0000-4000-8000-00000000000a', 'agent:main:main', FRAMES.archive.text, { zstd: Buffer.from(FRAMES.archive.frame, 'base64'), createdAt: T0 - 1000 });
  w.node('agent:main:telegram:direct:42', 'w-tg-2', { sessionId: 'w-tg-2', updatedAt: T0 + 300_000, channel: 'telegram' }, T0 + 300_000)
    .window('w-tg-1', 'agent:main:telegram:direct:42', null, 'initial', T0 - 86_400_000)
    .window('w-tg-2', 'agent:main:telegram:direct:42', 'w-tg-1', 'rollover', T0 + 200_000)
    .events('w-tg-1', [header('w-tg-1', t(-86_400)), msg('g1', null, 'user', 'hi', t(-86_399)), msg('g2', 'g1', 'assistant', 'hello!', t(-86_398))])
    .events('w-tg-2', [header('w-tg-2', t(200)), msg('h1', null, 'user', 'still there?', t(201)), msg('h2', 'h1', 'assistant', 'yes', t(202))]);
  w.node('agent:main:cron:nightly', 'w-cron', { sessionId: 'w-cron', updatedAt: T0 + 3_600_000, label: 'nightly' }, T0 + 3_600_000).window('w-cron', 'agent:main:cron:nightly', null, 'initial', T0);
  w.node('agent:main:broken', 'w-broken', '{"sessionId": "w-broken", ', T0);
  w.node('agent:main:damaged', 'w-dmg', { sessionId: 'w-dmg', updatedAt: T0 }, T0).window('w-dmg', 'agent:main:damaged', null, 'initial', T0);
  const damaged = [header('w-dmg', t(0)), msg('d1', null, 'user', 'hello', t(1)), { raw: '{"type":"message","id":"d2",' }];
  if (generation >= 23) damaged.push({ zstd: Buffer.from('not a zstd frame'), bytes: 16 }, compressed('event', 1));
  damaged.push(msg('d5', 'd1', 'assistant', 'hi there', t(2)));
  w.events('w-dmg', damaged);
  w.node('global', 'w-global-main', { sessionId: 'w-global-main', updatedAt: T0 }, T0).window('w-global-main', 'global', null, 'initial', T0).events('w-global-main', [header('w-global-main', t(0)), msg('x1', null, 'user', 'from main', t(1))]);
  return w;
}

export function writeOpsAgent(file: string): AgentDbWriter {
  const w = new AgentDbWriter(file, 19, { agentId: 'ops' });
  w.node('agent:ops:main', 'w-ops', { sessionId: 'w-ops', updatedAt: T0 + 60_000, channel: 'slack' }, T0 + 60_000)
    .window('w-ops', 'agent:ops:main', null, 'initial', T0)
    .events('w-ops', [header('w-ops', t(0)), msg('o1', null, 'user', 'deploy status?', t(1)), msg('o2', 'o1', 'assistant', 'green', t(2)), msg('o3', 'o2', 'user', 'thanks', t(3))]);
  w.node('global', 'w-global-ops', { sessionId: 'w-global-ops', updatedAt: T0 }, T0).window('w-global-ops', 'global', null, 'initial', T0).events('w-global-ops', [header('w-global-ops', t(0)), msg('y1', null, 'user', 'from ops', t(1))]);
  return w;
}

/** Writes the state directory at `root` (databases closed, checkpointed). */
export function writeStateDir(root: string): { main: string; ops: string } {
  const main = join(root, 'agents/main/agent/openclaw-agent.sqlite');
  const ops = join(root, 'agents/ops/agent/openclaw-agent.sqlite');
  writeMainAgent(main).close();
  writeOpsAgent(ops).close();
  return { main, ops };
}
