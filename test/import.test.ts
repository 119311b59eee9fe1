import { appendFileSync, chmodSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importOpenclaw, importPicoclaw } from '../src/import/index.js';
import { isTransientThought } from '../src/import/picoclaw.js';
import { parseRfc3339 } from '../src/import/timestamps.js';
import { openSessionLog } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { tempDir } from './support/harness.js';
import { OPENCLAW_SESSIONS, OPENCLAW_STATE, PICOCLAW_HOME, PICOCLAW_SESSIONS, writeFiles } from './support/fixtures.js';
import { expectCode } from './support/messages.js';

let dir: string;
let log: SessionLog;
beforeEach(() => {
  dir = tempDir();
  log = openSessionLog({ path: join(dir, 'store'), durability: 'committed' });
});
afterEach(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

const snapshotDir = (d: string) => readdirSync(d, { recursive: true }).map(String).sort().map((f) => [f, statSync(join(d, f)).isFile() ? readFileSync(join(d, f), 'utf8') : 'dir']);
const texts = (k: string) => log.getHistory(k).map((m) => m.content);

describe('picoclaw fixtures (the acceptance table)', () => {
  it('imports every session as the fixtures README says', async () => {
    const before = snapshotDir(PICOCLAW_HOME);
    const r = await importPicoclaw(log, PICOCLAW_HOME);
    expect(snapshotDir(PICOCLAW_HOME)).toEqual(before); // non-destructive

    const tg = log.getHistory('agent:main:telegram:direct:123456789');
    expect(tg).toHaveLength(4);
    expect(tg[0]?.content).toBe("What's the weather in Berlin? <b>now</b> & later");
    expect(tg[1]).toEqual({ role: 'assistant', content: '', tool_calls: [{ id: 'call_AijviHCBvxqBudag94AHVlQO', type: 'function', function: { name: 'web_search', arguments: '{"query":"weather Berlin"}' } }] });
    expect(log.getSummary('agent:main:telegram:direct:123456789')).toBe('User asked about the weather in several cities.');
    expect(log.getSession('agent:main:telegram:direct:123456789')).toMatchObject({
      createdAt: Date.parse('2026-03-05T09:12:44.501+08:00'),
      updatedAt: Date.parse('2026-03-05T09:13:02.117+08:00'),
    });

    expect(texts('telegram:123456')).toEqual(['hello', 'Hi! How can I help?']);
    expect(log.getSummary('telegram:123456')).toBe('');

    const cron = log.getHistory('cron-42');
    expect(cron).toHaveLength(4);
    expect(cron[1]).toEqual(JSON.parse(readFileSync(join(PICOCLAW_SESSIONS, 'cron-42.json'), 'utf8')).messages[1]);

    const main = log.getHistory('agent:main:main');
    expect(main.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(main[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_1', content: '4' });
    expect(log.getSummary('agent:main:main')).toBe('User greeted the bot and asked about travel plans.');
    // the 16 archived lines are in the log: a replay still shows them
    const added = [...log.readEvents('agent:main:main')].find((e) => e.type === 'messages.added');
    expect(added?.type === 'messages.added' && added.messages.length).toBe(20);
    expect(log.getHistory('agent:main:main', { atVersion: 1 })).toHaveLength(20);

    expect(texts('agent:main:pico:direct:pico:abc')).toEqual(['first', 'second', 'third']);
    expect(r.problems).toEqual([
      expect.objectContaining({ file: expect.stringMatching(/agent_main_pico_direct_pico_abc\.jsonl$/), line: 6, fatal: false }),
      expect.objectContaining({ file: expect.stringMatching(/broken\.json$/), fatal: true }),
    ]);
    expect(r.ignored.map((f) => f.split('/').pop()).sort()).toEqual(['agent_main_main.json.migrated', 'session-2219441.tmp']);
    expect(r.sessions.map((s) => s.status)).toEqual(['imported', 'imported', 'imported', 'imported', 'imported']);
    expect((await log.verify()).ok).toBe(true);
  });

  it('is idempotent: a second run writes no event', async () => {
    await importPicoclaw(log, PICOCLAW_SESSIONS);
    const events = log.stats().events;
    const again = await importPicoclaw(log, join(PICOCLAW_HOME, 'workspace'));
    expect(again.sessions.every((s) => s.status === 'unchanged' && s.events === 0)).toBe(true);
    expect(log.stats().events).toBe(events);
  });

  it('a dry run plans without writing', async () => {
    const r = await importPicoclaw(log, PICOCLAW_SESSIONS, { dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.sessions.filter((s) => s.status === 'imported')).toHaveLength(5);
    expect(log.stats().sessions).toBe(0);
  });
});

describe('openclaw fixtures (the acceptance table)', () => {
  it('imports the active branch, the compaction and the session entries', async () => {
    const before = snapshotDir(OPENCLAW_STATE);
    const r = await importOpenclaw(log, OPENCLAW_STATE);
    expect(snapshotDir(OPENCLAW_STATE)).toEqual(before);
    const main = log.getHistory('agent:main:main');
    expect(main.map((m) => m.role)).toEqual(['assistant', 'toolResult', 'assistant']);
    expect(main[0]?.content).toEqual([
      { type: 'thinking', thinking: 'check flags' },
      { type: 'toolCall', id: 'toolu_01', name: 'exec', arguments: { command: 'mail --urgent' } },
    ]);
    expect(log.getSummary('agent:main:main')).toBe('## Goal\nTriage inbox; the urgent mail is from the boss about a deadline.');
    expect(log.getHistory('agent:main:main', { atVersion: 1 })).toHaveLength(6); // 3 earlier messages kept as truncated history
    const everything = JSON.stringify([...log.readEvents('agent:main:main')]) + JSON.stringify(log.getSession('agent:main:main'));
    expect(everything).not.toContain('ABANDONED BRANCH');
    expect(log.getSession('agent:main:main')?.metadata).toMatchObject({ channel: 'telegram', model: 'claude-sonnet-4-6', totalTokens: 158000, label: 'Alice', skillsSnapshot: expect.any(Object) });
    expect(log.getSession('agent:main:main')?.updatedAt).toBe(1776063000000);
    expect(log.getHistory('agent:main:subagent:6ba2c9a9-0c1e-4f43-9d0f-1b2c3d4e5f60')).toHaveLength(2);
    const cron = 'agent:main:cron:48ab4446-9dca-465a-ae04-56b12b7c797d:run:e019caa8-1111-4222-8333-944455556666';
    expect(log.getHistory(cron)).toEqual([]);
    expect(log.getSession(cron)?.metadata).toMatchObject({ sessionId: 'e019caa8-1111-4222-8333-944455556666' });
    expect(r.problems).toEqual([expect.objectContaining({ line: 12, fatal: false })]); // the malformed last line
    expect(r.ignored.map((f) => f.split('/').pop()).sort()).toEqual([
      'ab9b55c4-f540-4587-ab94-72b63b29147c.checkpoint.5d1e0000-0000-4000-8000-000000000000.jsonl',
      'ab9b55c4-f540-4587-ab94-72b63b29147c.jsonl.reset.2026-04-12T10-00-00.000Z',
    ]);
    const again = await importOpenclaw(log, OPENCLAW_SESSIONS);
    expect(again.sessions.map((s) => s.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
  });
});

describe('picoclaw variants', () => {
  const meta = (key: string, extra: Record<string, unknown> = {}) => JSON.stringify({ key, summary: '', skip: 0, count: 99, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-02T00:00:00Z', ...extra });
  const line = (role: string, content: string) => `${JSON.stringify({ role, content })}\n`;

  it('brings in only what was appended since the last import', async () => {
    const src = writeFiles(join(dir, 'src'), { 'a_b.jsonl': line('user', 'one') + line('assistant', 'two'), 'a_b.meta.json': meta('a:b') });
    await importPicoclaw(log, src);
    appendFileSync(join(src, 'a_b.jsonl'), line('user', 'three'));
    const r = await importPicoclaw(log, src);
    expect(r.sessions[0]).toMatchObject({ status: 'updated', events: 2 });
    expect(texts('a:b')).toEqual(['one', 'two', 'three']);
    expect([...log.readEvents('a:b')].filter((e) => e.type === 'messages.added').map((e) => e.type === 'messages.added' && e.messages.length)).toEqual([2, 1]);
    // picoclaw truncated (skip moved) and summarised: a cut and a summary follow
    writeFiles(src, { 'a_b.meta.json': meta('a:b', { skip: 2, summary: 'one and two' }) });
    expect((await importPicoclaw(log, src)).sessions[0]?.status).toBe('updated');
    expect(texts('a:b')).toEqual(['three']);
    expect(log.getSummary('a:b')).toBe('one and two');
    expect((await importPicoclaw(log, src)).sessions[0]?.status).toBe('unchanged');
  });

  it('reports a rewritten source instead of guessing, and never touches a session written in turnlog', async () => {
    const src = writeFiles(join(dir, 'src'), { 'k.jsonl': line('user', 'one'), 'k.meta.json': meta('k'), 'mine.jsonl': line('user', 'x'), 'mine.meta.json': meta('mine') });
    await log.addMessage('mine', 'user', 'written by the agent in turnlog');
    await importPicoclaw(log, src);
    writeFiles(src, { 'k.jsonl': line('user', 'ONE, rewritten') });
    const r = await importPicoclaw(log, src);
    expect(r.sessions.find((s) => s.key === 'k')).toMatchObject({ status: 'skipped', note: expect.stringContaining('changed other than by appending') });
    expect(r.sessions.find((s) => s.key === 'mine')).toMatchObject({ status: 'skipped', note: expect.stringContaining('already exists') });
    expect(texts('k')).toEqual(['one']);
    expect(texts('mine')).toEqual(['written by the agent in turnlog']);
  });

  it('finishes an import that a crash cut short, without duplicates', async () => {
    const src = writeFiles(join(dir, 'src'), { 'k.jsonl': line('user', 'a') + line('user', 'b') + line('user', 'c'), 'k.meta.json': meta('k', { skip: 1, summary: 's' }) });
    const dry = await importPicoclaw(log, src, { dryRun: true });
    expect(dry.sessions[0]?.events).toBe(4);
    // Simulate a crash after the first event: write it exactly as the importer would.
    const first = await importPicoclaw(log, src);
    const events = [...log.readEvents('k')];
    await log.close();
    rmSync(join(dir, 'store'), { recursive: true });
    log = openSessionLog({ path: join(dir, 'store'), durability: 'committed' });
    const e1 = events[0];
    if (e1?.type !== 'messages.added') throw new Error('expected messages first');
    await log.addMessages('k', e1.messages, { eventId: e1.eventId as string, expectedVersion: 0, at: e1.at });
    const resumed = await importPicoclaw(log, src);
    expect(resumed.sessions[0]).toMatchObject({ status: 'imported', events: 3 });
    expect([...log.readEvents('k')].map((e) => [e.type, e.eventId])).toEqual(events.map((e) => [e.type, e.eventId]));
    expect(first.sessions[0]?.events).toBe(4);
  });

  it('handles blank lines, corrupt lines, stale counts, missing metas, unreadable files and Go escapes', async () => {
    const src = writeFiles(join(dir, 'src'), {
      'x.jsonl': `\n${line('user', 'a')}\n\n{not json}\n${line('assistant', 'b')}`,
      'x.meta.json': meta('chat:x', { skip: 0, count: 1 }),
      'orphan.jsonl': line('user', 'who am i'),
      'lonely.meta.json': meta('lonely'),
      'escaped.json': '{"key":"e","messages":[{"role":"user","content":"\\u003cb\\u003e \\u0026"}],"created":"2026-01-01T00:00:00.123456789-07:00","updated":"2026-01-01T00:00:01Z"}',
      'locked.json': '{"key":"locked","messages":[]}',
      '.tmp-123': '{"key":"partial',
    });
    chmodSync(join(src, 'locked.json'), 0o000);
    symlinkSync(join(dir, 'gone.jsonl'), join(src, 'dangling.jsonl'));
    const r = await importPicoclaw(log, src);
    expect(texts('chat:x')).toEqual(['a', 'b']);
    expect(texts('e')).toEqual(['<b> &']);
    expect(log.getSession('e')?.createdAt).toBe(Date.parse('2026-01-01T07:00:00.123Z'));
    const reasons = r.problems.map((p) => `${p.file.split('/').pop()}:${p.line ?? ''}:${p.fatal}`);
    expect(reasons).toContain('x.jsonl:5:false');
    expect(reasons).toContain('orphan.jsonl::true');
    expect(reasons).toContain('lonely.meta.json::true');
    expect(reasons).toContain('dangling.jsonl::true');
    if (process.getuid?.() !== 0) expect(reasons).toContain('locked.json::true'); // root reads anything
    expect(r.ignored.map((f) => f.split('/').pop())).toContain('.tmp-123');
    chmodSync(join(src, 'locked.json'), 0o600);
  });

  it('prefers JSONL over a legacy file of the same key, and refuses a key found in two workspaces', async () => {
    const home = writeFiles(join(dir, 'home'), {
      'workspace/sessions/k.json': '{"key":"k","messages":[{"role":"user","content":"legacy"}]}',
      'workspace/sessions/k.jsonl': line('user', 'jsonl'),
      'workspace/sessions/k.meta.json': meta('k'),
      'workspace-2/sessions/k.jsonl': line('user', 'other workspace'),
      'workspace-2/sessions/k.meta.json': meta('k'),
    });
    const r = await importPicoclaw(log, home);
    expect(texts('k')).toEqual(['jsonl']);
    expect(r.ignored.map((f) => f.split('/').pop())).toContain('k.json');
    expect(r.problems).toEqual([expect.objectContaining({ fatal: true, reason: expect.stringContaining('is also in') })]);
  });

  it('rejects a source that is not a folder', async () => {
    await expectCode(importPicoclaw(log, join(dir, 'nope')), 'INVALID_ARGUMENT');
    await expectCode(importOpenclaw(log, dir), 'INVALID_ARGUMENT');
  });

  it('recognises transient thoughts and Go times', () => {
    expect(isTransientThought({ role: 'assistant', content: '', reasoning_content: 'hm' })).toBe(true);
    expect(isTransientThought({ role: 'assistant', content: '', reasoning_content: 'hm', tool_calls: [] })).toBe(false);
    expect(isTransientThought({ role: 'assistant', content: 'hi', reasoning_content: 'hm' })).toBe(false);
    expect(parseRfc3339('2026-03-05T09:12:44.501327811+08:00')).toBe(Date.parse('2026-03-05T01:12:44.501Z'));
    expect(parseRfc3339('2026-03-05 09:12')).toBeUndefined();
  });
});

describe('openclaw variants', () => {
  const entry = (id: string, parentId: string | null, message?: unknown, extra: Record<string, unknown> = {}) =>
    `${JSON.stringify({ type: message === undefined ? 'label' : 'message', id, parentId, timestamp: '2026-04-01T00:00:00.000Z', ...(message === undefined ? {} : { message }), ...extra })}\n`;
  const header = (id: string) => `${JSON.stringify({ type: 'session', version: 3, id, timestamp: '2026-04-01T00:00:00.000Z', cwd: '/' })}\n`;

  it('follows absolute and missing sessionFile paths, and reports unreadable indexes per folder', async () => {
    const state = writeFiles(join(dir, 'state'), {
      'agents/a/sessions/sessions.json': JSON.stringify({
        'k:abs': { sessionId: 's1', updatedAt: 1, sessionFile: join(dir, 'state/agents/a/sessions/s1.jsonl') },
        'k:gone': { sessionId: 's2', updatedAt: 2, sessionFile: '/home/old-machine/.openclaw/agents/a/sessions/s2.jsonl' },
        'k:bad': { updatedAt: 3 },
      }),
      'agents/a/sessions/s1.jsonl': header('s1') + entry('e1', null, { role: 'user', content: 'abs' }),
      'agents/a/sessions/s2.jsonl': header('s2') + entry('e1', null, { role: 'user', content: 'moved' }),
      'agents/a/sessions/s9.jsonl': header('s9') + entry('e1', null, { role: 'user', content: 'nobody refers to me' }),
      'agents/b/sessions/sessions.json': '{ nope',
    });
    const r = await importOpenclaw(log, state);
    expect(texts('k:abs')).toEqual(['abs']);
    expect(texts('k:gone')).toEqual(['moved']);
    expect(r.sessions.find((s) => s.key === 'k:gone')?.note).toContain('does not exist; used s2.jsonl');
    const p = r.problems.map((x) => `${x.file.split('/').slice(-3).join('/')}:${x.fatal}`);
    expect(p).toEqual(expect.arrayContaining(['a/sessions/sessions.json:true', 'a/sessions/s9.jsonl:false', 'b/sessions/sessions.json:true']));
  });

  it('takes the branch that ends at the last entry, with several compactions', async () => {
    const s = writeFiles(join(dir, 'oc'), {
      'sessions.json': JSON.stringify({ k: { sessionId: 't', updatedAt: 5 } }),
      't.jsonl':
        header('t') +
        entry('m1', null, { role: 'user', content: 'q1' }) +
        entry('m2', 'm1', { role: 'assistant', content: 'a1' }) +
        `${JSON.stringify({ type: 'compaction', id: 'c1', parentId: 'm2', summary: 'first', firstKeptEntryId: 'm2' })}\n` +
        entry('m3', 'c1', { role: 'user', content: 'q2' }) +
        entry('x1', 'm3', { role: 'assistant', content: 'rewritten away' }) +
        entry('m4', 'm3', { role: 'assistant', content: 'a2' }) +
        `${JSON.stringify({ type: 'compaction', id: 'c2', parentId: 'm4', summary: 'second', firstKeptEntryId: 'm3' })}\n` +
        entry('l1', 'c2'),
    });
    await importOpenclaw(log, s);
    expect(texts('k')).toEqual(['q2', 'a2']);
    expect(log.getSummary('k')).toBe('second');
    expect(log.getHistory('k', { atVersion: 1 }).map((m) => m.content)).toEqual(['q1', 'a1', 'q2', 'a2']);
  });
});
