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
import { collect } from './support/collect.js';

let dir: string;
let log: SessionLog;
beforeEach(() => {
  dir = tempDir();
  log = openSessionLog({ path: join(dir, 'store') });
});
afterEach(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

const snapshotDir = (d: string) => readdirSync(d, { recursive: true }).map(String).sort().map((f) => [f, statSync(join(d, f)).isFile() ? readFileSync(join(d, f), 'utf8') : 'dir']);
const texts = async (k: string): Promise<unknown[]> => (await log.getHistory(k)).map((m) => m.content);

describe('picoclaw fixtures (the acceptance table in test/fixtures/picoclaw/README.md)', () => {
  it('imports every session as the fixtures README says', async () => {
    const before = snapshotDir(PICOCLAW_HOME);
    const r = await importPicoclaw(log, PICOCLAW_HOME);
    expect(snapshotDir(PICOCLAW_HOME)).toEqual(before); // non-destructive

    // legacy JSON: Go escapes decoded, nanosecond times with an offset
    const discord = await log.getHistory('agent:main:discord:direct:4471');
    expect(discord).toHaveLength(4);
    expect(discord[0]?.content).toBe('Convert 3 <strong>cups</strong> of flour to grams & ounces');
    expect(discord[1]).toEqual({
      role: 'assistant',
      content: '',
      tool_calls: [{ id: 'call_Qm7rT2vXk9LpWc3NaE5hYb1D', type: 'function', function: { name: 'unit_convert', arguments: '{"amount":3,"from":"cup_flour","to":["g","oz"]}' } }],
      model_name: 'gpt-5.4-mini',
    });
    expect(await log.getSummary('agent:main:discord:direct:4471')).toBe('User is baking bread and converts recipe units.');
    expect(await log.getSession('agent:main:discord:direct:4471')).toMatchObject({
      createdAt: Date.parse('2026-01-17T18:40:05.250-05:00'),
      updatedAt: Date.parse('2026-01-17T18:41:30.008-05:00'),
    });

    // a raw key with a colon as the file name
    expect(await texts('slack:C0452')).toEqual(['ping', 'pong']);
    expect(await log.getSummary('slack:C0452')).toBe('');

    // every field of a tool call kept, top-level name/arguments included
    const backup = await log.getHistory('nightly-backup');
    expect(backup).toHaveLength(4);
    expect(backup[1]).toEqual(JSON.parse(readFileSync(join(PICOCLAW_SESSIONS, 'nightly-backup.json'), 'utf8')).messages[1]);

    // JSONL + meta: 6 lines skipped (archived), scope and aliases as metadata
    const main = await log.getHistory('agent:main:main');
    expect(main.map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(main[2]).toMatchObject({ role: 'tool', tool_call_id: 'call_d1', content: '11' });
    expect(await log.getSummary('agent:main:main')).toBe('User keeps a plant-watering reminder at 18:00, balcony plants included.');
    expect((await log.getSession('agent:main:main'))?.metadata).toMatchObject({ scope: 'agent:main', aliases: ['main'] });
    // the 6 archived lines are in the log: a replay still shows them
    const added = (await collect(log.readEvents('agent:main:main'))).find((e) => e.type === 'messages.added');
    expect(added?.type === 'messages.added' && added.messages.length).toBe(10);
    expect(await log.getHistory('agent:main:main', { atVersion: 1 })).toHaveLength(10);

    // a transient thought and a blank line dropped, the cut-off last line reported
    expect(await texts('agent:main:pico:direct:pico:q7')).toEqual(['alpha', 'beta', 'gamma']);
    expect(r.sessions.find((s) => s.key === 'agent:main:pico:direct:pico:q7')?.note).toBe('1 transient thought left out');
    expect(r.problems).toEqual([
      expect.objectContaining({ file: expect.stringMatching(/agent_main_pico_direct_pico_q7\.jsonl$/), line: 6, subject: 'line', fatal: false }),
      expect.objectContaining({ file: expect.stringMatching(/broken\.json$/), subject: 'file', fatal: true }),
    ]);
    expect(r.ignored.map((f) => f.split('/').pop()).sort()).toEqual(['.tmp-3310', 'agent_main_main.json.migrated', 'session-88412.tmp']);
    expect(r.sessions.map((s) => s.status)).toEqual(['imported', 'imported', 'imported', 'imported', 'imported']);
    expect((await log.verify()).ok).toBe(true);
  });

  it('is idempotent: a second run writes no event', async () => {
    await importPicoclaw(log, PICOCLAW_SESSIONS);
    const events = (await log.stats()).events;
    const again = await importPicoclaw(log, join(PICOCLAW_HOME, 'workspace'));
    expect(again.sessions.every((s) => s.status === 'unchanged' && s.events === 0)).toBe(true);
    expect((await log.stats()).events).toBe(events);
  });

  it('a dry run plans without writing', async () => {
    const r = await importPicoclaw(log, PICOCLAW_SESSIONS, { dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.sessions.filter((s) => s.status === 'imported')).toHaveLength(5);
    expect((await log.stats()).sessions).toBe(0);
  });
});

describe('openclaw fixtures (the acceptance table in test/fixtures/openclaw/README.md)', () => {
  const MAIN_ID = '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
  const SUB = 'agent:main:subagent:5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a';
  const CRON = 'agent:main:cron:0c0ffee0-aaaa-4bbb-8ccc-ddddeeeeffff:run:91aa22bb-33cc-44dd-85ee-66ff77008899';

  it('imports the active branch, the compaction and the session entries', async () => {
    const before = snapshotDir(OPENCLAW_STATE);
    const r = await importOpenclaw(log, OPENCLAW_STATE);
    expect(snapshotDir(OPENCLAW_STATE)).toEqual(before);
    const main = await log.getHistory('agent:main:main');
    expect(main.map((m) => m.role)).toEqual(['assistant', 'toolResult', 'assistant']);
    expect(main[0]?.content).toEqual([
      { type: 'thinking', thinking: 'search flights first' },
      { type: 'toolCall', id: 'toolu_7f', name: 'flight_search', arguments: { to: 'LIS', depart: '2026-06-15', return: '2026-06-18' } },
    ]);
    expect(await log.getSummary('agent:main:main')).toBe('## Goal\nLisbon trip Mon-Thu next week on a budget; cheapest flight found is TP1351 at 89 EUR.');
    expect(await log.getHistory('agent:main:main', { atVersion: 1 })).toHaveLength(6); // 3 earlier messages kept as truncated history
    const everything = JSON.stringify(await collect(log.readEvents('agent:main:main'))) + JSON.stringify(await log.getSession('agent:main:main'));
    expect(everything).not.toContain('DISCARDED REPLY');
    expect(everything).not.toContain('old chat before /reset');
    expect((await log.getSession('agent:main:main'))?.metadata).toMatchObject({ channel: 'whatsapp', model: 'claude-sonnet-4-6', totalTokens: 176500, label: 'Dana', skillsSnapshot: expect.any(Object) });
    expect(await log.getSession('agent:main:main')).toMatchObject({ createdAt: Date.parse('2026-06-08T07:00:00.000Z'), updatedAt: 1780902090000 });
    expect(await log.getHistory(SUB)).toHaveLength(2);
    // no updatedAt in its entry: the newest time in its transcript
    expect(await log.getSession(SUB)).toMatchObject({ createdAt: Date.parse('2026-06-08T07:02:00.000Z'), updatedAt: Date.parse('2026-06-08T07:02:30.000Z') });
    expect(await log.getHistory(CRON)).toEqual([]);
    expect((await log.getSession(CRON))?.metadata).toMatchObject({ sessionId: '91aa22bb-33cc-44dd-85ee-66ff77008899' });
    expect(await log.getSession('agent:main:webchat:draft')).toBeUndefined();
    expect(r.problems).toEqual([
      expect.objectContaining({ subject: 'entry', fatal: true, reason: expect.stringContaining('"agent:main:webchat:draft" has no sessionId') }),
      expect.objectContaining({ line: 12, subject: 'line', fatal: false }), // the cut-off last line
    ]);
    expect(r.ignored.map((f) => f.split('/').pop()).sort()).toEqual([
      `${MAIN_ID}.checkpoint.0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e.jsonl`,
      `${MAIN_ID}.jsonl.reset.2026-06-07T21-00-00.000Z`,
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
    expect(await texts('a:b')).toEqual(['one', 'two', 'three']);
    expect((await collect(log.readEvents('a:b'))).filter((e) => e.type === 'messages.added').map((e) => e.type === 'messages.added' && e.messages.length)).toEqual([2, 1]);
    // picoclaw truncated (skip moved) and summarised: a cut and a summary follow
    writeFiles(src, { 'a_b.meta.json': meta('a:b', { skip: 2, summary: 'one and two' }) });
    expect((await importPicoclaw(log, src)).sessions[0]?.status).toBe('updated');
    expect(await texts('a:b')).toEqual(['three']);
    expect(await log.getSummary('a:b')).toBe('one and two');
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
    expect(await texts('k')).toEqual(['one']);
    expect(await texts('mine')).toEqual(['written by the agent in turnlog']);
  });

  it('finishes an import that a crash cut short, without duplicates', async () => {
    const src = writeFiles(join(dir, 'src'), { 'k.jsonl': line('user', 'a') + line('user', 'b') + line('user', 'c'), 'k.meta.json': meta('k', { skip: 1, summary: 's' }) });
    const dry = await importPicoclaw(log, src, { dryRun: true });
    expect(dry.sessions[0]?.events).toBe(4);
    // Simulate a crash after the first event: write it exactly as the importer would.
    const first = await importPicoclaw(log, src);
    const events = await collect(log.readEvents('k'));
    await log.close();
    rmSync(join(dir, 'store'), { recursive: true });
    log = openSessionLog({ path: join(dir, 'store') });
    const e1 = events[0];
    if (e1?.type !== 'messages.added') throw new Error('expected messages first');
    await log.addMessages('k', e1.messages, { eventId: e1.eventId as string, expectedVersion: 0, at: e1.at });
    const resumed = await importPicoclaw(log, src);
    expect(resumed.sessions[0]).toMatchObject({ status: 'imported', events: 3 });
    expect((await collect(log.readEvents('k'))).map((e) => [e.type, e.eventId])).toEqual(events.map((e) => [e.type, e.eventId]));
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
    expect(await texts('chat:x')).toEqual(['a', 'b']);
    expect(await texts('e')).toEqual(['<b> &']);
    expect((await log.getSession('e'))?.createdAt).toBe(Date.parse('2026-01-01T07:00:00.123Z'));
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
    expect(await texts('k')).toEqual(['jsonl']);
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
    expect(await texts('k:abs')).toEqual(['abs']);
    expect(await texts('k:gone')).toEqual(['moved']);
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
    expect(await texts('k')).toEqual(['q2', 'a2']);
    expect(await log.getSummary('k')).toBe('second');
    expect((await log.getHistory('k', { atVersion: 1 })).map((m) => m.content)).toEqual(['q1', 'a1', 'q2', 'a2']);
  });
});
