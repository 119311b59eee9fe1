import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importOpenclaw } from '../src/import/index.js';
import { setOptionalLoaderForTests } from '../src/import/optional-deps.js';
import { IMPORT_MARKER } from '../src/import/apply.js';
import { openSessionLog } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { tempDir } from './support/harness.js';
import { expectCode } from './support/messages.js';
import { AgentDbWriter, FRAMES, header, msg } from './support/openclaw-sqlite.js';
import { MAIN_ENTRY, T0, writeMainAgent, writeStateDir } from './support/openclaw-sqlite-state.js';

let dir: string;
let log: SessionLog;
beforeEach(() => {
  dir = tempDir();
  log = openSessionLog({ path: join(dir, 'store') });
});
afterEach(async () => {
  setOptionalLoaderForTests(undefined);
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

const NOW = T0 + 3_600_000;
const contents = async (key: string, all = false): Promise<unknown[]> => {
  if (!all) return (await log.getHistory(key)).map((m) => m.content);
  const out: unknown[] = [];
  for await (const e of log.readEvents(key)) if (e.type === 'messages.added') out.push(...e.messages.map((m) => m.content));
  return out;
};

describe('openclaw SQLite era: a state directory with two agents', () => {
  it('imports every session faithfully: active branch, compaction, earlier windows, metadata', async () => {
    const state = join(dir, 'state');
    const { main, ops } = writeStateDir(state);
    const r = await importOpenclaw(log, state, { now: NOW });

    expect(r.sessions.map((s) => [s.key, s.status, s.messages, s.archived])).toEqual([
      ['agent:main:cron:nightly', 'imported', 0, 0],
      ['agent:main:damaged', 'imported', 2, 0],
      ['agent:main:main', 'imported', 5, 4],
      ['agent:main:telegram:direct:42', 'imported', 2, 2],
      ['global', 'imported', 1, 0],
      ['agent:ops:main', 'imported', 3, 0],
    ]);
    // the current window's active branch after the compaction's first kept entry
    const event = JSON.parse(FRAMES.event.text) as { message: { content: unknown } };
    const tool = JSON.parse(FRAMES.toolOutput.text) as { message: unknown };
    expect(await contents('agent:main:main')).toEqual([
      'Under 120 EUR a night',
      event.message.content,
      [{ type: 'toolCall', id: 'toolu_01HotelSearch', name: 'hotel_search', arguments: { city: 'Lisbon', max: 120 } }],
      (tool.message as { content: unknown }).content,
      [{ type: 'text', text: 'Top pick: Hotel Alfama 1 at 89 EUR.' }],
    ]);
    // a compressed message comes back verbatim, every field of it
    expect((await log.getHistory('agent:main:main'))[3]).toEqual(tool.message);
    // the archived generation (zstd archive) first, then the whole current branch; the abandoned answer nowhere
    const all = await contents('agent:main:main', true);
    expect(all.slice(0, 2)).toEqual(['Remind me what I packed last time for Porto', [{ type: 'text', text: 'Rain jacket, two adapters, walking shoes.' }]]);
    expect(all).toHaveLength(9);
    expect(JSON.stringify(all)).not.toContain('regenerated');
    expect(await log.getSummary('agent:main:main')).toBe('Dana plans three days in Lisbon, hotels under 120 EUR.');
    const info = await log.getSession('agent:main:main');
    const { skillsSnapshot: _dropped, ...kept } = MAIN_ENTRY;
    expect(info?.metadata).toMatchObject(kept);
    expect(info?.metadata).not.toHaveProperty('skillsSnapshot');
    expect(info).toMatchObject({ createdAt: Date.parse('2026-09-18T19:00:00.000Z'), updatedAt: MAIN_ENTRY.updatedAt });
    // a rollover: the earlier window, with its rows, as truncated history
    expect(await contents('agent:main:telegram:direct:42')).toEqual(['still there?', 'yes']);
    expect(await contents('agent:main:telegram:direct:42', true)).toEqual(['hi', 'hello!', 'still there?', 'yes']);
    // no transcript: metadata only, and its time from the entry
    expect(await log.getSession('agent:main:cron:nightly')).toMatchObject({ messageCount: 0, updatedAt: T0 + 3_600_000, metadata: { label: 'nightly' } });
    // the older schema (every event as TEXT) reads the same
    expect(await contents('agent:ops:main')).toEqual(['deploy status?', 'green', 'thanks']);
    // a key in two agents: imported once, from the first
    expect(await contents('global')).toEqual(['from main']);

    const notes = Object.fromEntries(r.sessions.map((s) => [s.key, s.note]));
    expect(notes['agent:main:main']).toBe('1 earlier transcript archived; 1 entry on abandoned branches left out');
    expect(notes['agent:main:cron:nightly']).toBe('no transcript: metadata only');
    expect(r.problems.map((p) => [p.file, p.subject, p.fatal, p.reason])).toEqual([
      [main, 'entry', true, 'session_nodes "agent:main:broken": entry_json is not a JSON object; not imported'],
      [main, 'line', false, 'transcript_events session_id "w-dmg" seq 2: malformed line; left out'],
      [main, 'line', false, 'transcript_events session_id "w-dmg" seq 3: event_zstd is not a valid zstd frame (invalid zstd data); left out'],
      [main, 'line', false, `transcript_events session_id "w-dmg" seq 4: event_zstd holds ${Buffer.byteLength(FRAMES.event.text)} bytes, event_utf8_bytes says ${Buffer.byteLength(FRAMES.event.text) + 1}; left out`],
      [ops, 'entry', true, `session "global" was already imported from ${main}; not imported again`],
    ]);
    expect(r.warnings?.some((w) => w.includes('newer'))).toBe(false);
  });

  it('is idempotent: a second import writes nothing', async () => {
    const state = join(dir, 'state');
    writeStateDir(state);
    await importOpenclaw(log, state, { now: NOW });
    const again = await importOpenclaw(log, state, { now: NOW });
    expect(again.sessions.map((s) => s.status)).toEqual(Array(6).fill('unchanged'));
    expect(again.sessions.reduce((n, s) => n + s.events, 0)).toBe(0);
  });

  it('resumes: an import stopped after some sessions completes on the next run, without duplicates', async () => {
    const state = join(dir, 'state');
    writeStateDir(state);
    let stopAt = 2;
    const interrupted = importOpenclaw(log, state, {
      now: NOW,
      concurrency: 1,
      onProgress: (done) => {
        if (done === stopAt) throw new Error('interrupted');
      },
    });
    await expect(interrupted).rejects.toThrow('interrupted');
    expect((await log.listSessions()).sessions.length).toBeGreaterThanOrEqual(2);
    stopAt = -1;
    const rest = await importOpenclaw(log, state, { now: NOW });
    expect(rest.sessions.filter((s) => s.status === 'imported')).toHaveLength(4);
    expect(rest.sessions.filter((s) => s.status === 'unchanged')).toHaveLength(2);
    const fresh = openSessionLog({ path: join(dir, 'fresh') });
    try {
      await importOpenclaw(fresh, state, { now: NOW });
      for (const s of (await fresh.listSessions()).sessions) expect(await log.getHistory(s.key)).toEqual(await fresh.getHistory(s.key));
    } finally {
      await fresh.close();
    }
  });

  it('brings in what openclaw appended since, and a reset since as truncated history', async () => {
    const file = join(dir, 'agent/openclaw-agent.sqlite');
    const w = new AgentDbWriter(file, 23);
    w.node('k', 'w1', { sessionId: 'w1', updatedAt: T0 }, T0).window('w1', 'k', null, 'initial', T0);
    w.events('w1', [header('w1', '2026-09-20T08:00:00.000Z'), msg('m1', null, 'user', 'one', '2026-09-20T08:00:01.000Z')]);
    await importOpenclaw(log, file, { now: NOW });
    w.events('w1', [msg('m2', 'm1', 'assistant', 'two', '2026-09-20T08:00:02.000Z')]);
    expect((await importOpenclaw(log, file, { now: NOW })).sessions[0]).toMatchObject({ status: 'updated', events: 2 });
    w.window('w2', 'k', 'w1', 'reset', T0 + 10);
    w.db.prepare("UPDATE session_nodes SET current_session_id = 'w2', entry_json = ? WHERE session_key = 'k'").run(JSON.stringify({ sessionId: 'w2', updatedAt: T0 + 10 }));
    w.events('w2', [header('w2', '2026-09-20T09:00:00.000Z'), msg('n1', null, 'user', 'fresh start', '2026-09-20T09:00:01.000Z')]);
    w.close();
    expect((await importOpenclaw(log, file, { now: NOW })).sessions[0]).toMatchObject({ status: 'updated', messages: 1, archived: 2 });
    expect(await contents('k')).toEqual(['fresh start']);
    expect(await contents('k', true)).toEqual(['one', 'two', 'fresh start']);
  });
});

describe('openclaw SQLite era: schemas and damage', () => {
  it('a newer schema is reported and read by the columns it knows', async () => {
    const file = join(dir, 'agents/main/agent/openclaw-agent.sqlite');
    writeMainAgent(file, 24).close();
    const r = await importOpenclaw(log, join(dir, 'agents/main'), { now: NOW });
    expect(r.warnings?.[0]).toBe(`${file}: schema version 24 (openclaw 2026.11.0) is newer than the newest this importer knows (23, openclaw 2026.9); read with the columns it knows`);
    expect(r.sessions.find((s) => s.key === 'agent:main:main')).toMatchObject({ status: 'imported', messages: 5, archived: 4 });
  });

  it('schema 21 (archives, no compressed events) reads the same', async () => {
    const file = join(dir, 'openclaw-agent.sqlite');
    writeMainAgent(file, 21).close();
    const r = await importOpenclaw(log, file, { now: NOW });
    expect(r.sessions.find((s) => s.key === 'agent:main:main')).toMatchObject({ status: 'imported', messages: 5, archived: 4 });
    expect(r.warnings?.some((w) => w.includes('newer'))).toBe(false);
  });

  it('refuses a file that is not SQLite, a foreign SQLite file, a missing required column; writes nothing', async () => {
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'not a database at all, just text');
    expect((await expectCode(importOpenclaw(log, junk), 'INVALID_ARGUMENT')).message).toMatch(/junk\.sqlite is not a SQLite database/);
    writeFileSync(join(dir, 'sessions.json'), '{}');
    expect((await expectCode(importOpenclaw(log, join(dir, 'sessions.json')), 'INVALID_ARGUMENT')).message).toMatch(/sessions\.json is not a SQLite database \(for openclaw's sessions\.json, give the folder it is in\)$/);
    const foreign = new AgentDbWriter(join(dir, 'foreign.sqlite'), 19);
    foreign.db.exec('DROP TABLE session_nodes');
    foreign.close();
    expect((await expectCode(importOpenclaw(log, join(dir, 'foreign.sqlite')), 'INVALID_ARGUMENT')).message).toMatch(/not an openclaw agent database \(it has no session_nodes table\)/);
    const early = new AgentDbWriter(join(dir, 'early.sqlite'), 19);
    early.db.exec('DROP TABLE session_nodes');
    early.db.pragma('user_version = 9');
    early.close();
    expect((await expectCode(importOpenclaw(log, join(dir, 'early.sqlite')), 'INVALID_ARGUMENT')).message).toMatch(/openclaw schema 9 predates session_nodes \(schema 14\); start openclaw 2026\.8 or later once to migrate it/);
    const old = new AgentDbWriter(join(dir, 'old.sqlite'), 19);
    old.db.exec('ALTER TABLE transcript_events RENAME COLUMN event_json TO payload');
    old.close();
    expect((await expectCode(importOpenclaw(log, join(dir, 'old.sqlite')), 'INVALID_ARGUMENT')).message).toMatch(/the column transcript_events\.event_json is missing/);
    expect((await log.listSessions()).sessions).toEqual([]);
  });

  it('in a state directory, a database that cannot be read is reported and the other agents imported', async () => {
    const state = join(dir, 'state');
    writeStateDir(state);
    const bad = join(state, 'agents/zzz/agent/openclaw-agent.sqlite');
    mkdirSync(join(state, 'agents/zzz/agent'), { recursive: true });
    writeFileSync(bad, 'SQLite format 3\0 but garbage after the header'.padEnd(4096, '\0'));
    const r = await importOpenclaw(log, state, { now: NOW });
    expect(r.sessions.filter((s) => s.status === 'imported')).toHaveLength(6);
    expect(r.problems.at(-1)).toMatchObject({ file: bad, subject: 'file', fatal: true, reason: expect.stringMatching(/^cannot be read \(.*\); nothing from this database was imported$/) });
  });

  it('a FIFO is refused without being opened; an agent folder that links out of the state directory is not read unless allowed', async () => {
    const fifo = join(dir, 'fifo.sqlite');
    execFileSync('mkfifo', [fifo]);
    expect((await expectCode(importOpenclaw(log, fifo), 'INVALID_ARGUMENT')).message).toBe(`${fifo} is a FIFO, not a regular file; not read`);
    const state = join(dir, 'state');
    writeStateDir(state);
    const elsewhere = join(dir, 'elsewhere');
    writeMainAgent(join(elsewhere, 'agent/openclaw-agent.sqlite')).close();
    symlinkSync(elsewhere, join(state, 'agents/linked'));
    const r = await importOpenclaw(log, state, { now: NOW });
    const linked = join(state, 'agents/linked/agent/openclaw-agent.sqlite');
    expect(r.problems.filter((p) => p.file === linked)).toEqual([{ file: linked, subject: 'file', fatal: true, reason: expect.stringMatching(/^leads outside the source folder/) }]);
    expect(r.sessions.filter((s) => s.status === 'imported')).toHaveLength(6);
    const allowed = await importOpenclaw(log, state, { now: NOW, allowOutsideSource: true });
    // read when allowed: it comes first ('linked' < 'main'), so agents/main's keys are the ones reported
    expect(allowed.problems.filter((p) => p.file === linked).map((p) => p.subject)).toEqual(['entry', 'line', 'line', 'line']);
    expect(allowed.problems.filter((p) => p.reason === `session "agent:main:main" was already imported from ${linked}; not imported again`)).toHaveLength(1);
  });

  it('an agent still on sessions.json is read the JSONL way; a legacy sessions.json beside a database is not read', async () => {
    const state = join(dir, 'state');
    writeStateDir(state);
    mkdirSync(join(state, 'agents/main/sessions'), { recursive: true });
    writeFileSync(join(state, 'agents/main/sessions/sessions.json'), '{}');
    mkdirSync(join(state, 'agents/legacy/sessions'), { recursive: true });
    writeFileSync(join(state, 'agents/legacy/sessions/sessions.json'), JSON.stringify({ 'agent:legacy:main': { sessionId: 's1', updatedAt: T0 }, global: { sessionId: 's1', updatedAt: T0 } }));
    writeFileSync(join(state, 'agents/legacy/sessions/s1.jsonl'), `${JSON.stringify(header('s1', '2026-09-20T08:00:00.000Z'))}\n${JSON.stringify(msg('l1', null, 'user', 'old format', '2026-09-20T08:00:01.000Z'))}\n`);
    const r = await importOpenclaw(log, state, { now: NOW });
    expect(await contents('agent:legacy:main')).toEqual(['old format']);
    expect(r.ignored).toContain(join(state, 'agents/main/sessions/sessions.json'));
    // a key of both eras is imported once: agents are read JSONL ones first
    expect(await contents('global')).toEqual(['old format']);
    expect(r.problems.filter((p) => p.reason.startsWith('session "global" was already imported from'))).toHaveLength(2);
  });

  it('a missing better-sqlite3 or fzstd is one clear error naming the package; nothing is written', async () => {
    const file = join(dir, 'openclaw-agent.sqlite');
    writeMainAgent(file).close();
    const real = createRequire(import.meta.url);
    const without = (name: string) => (id: string) => {
      if (id === name) throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
      return real(id) as unknown;
    };
    setOptionalLoaderForTests(without('better-sqlite3'));
    expect((await expectCode(importOpenclaw(log, file), 'INVALID_ARGUMENT')).message).toMatch(/needs the "better-sqlite3" package \(to read SQLite\): npm install better-sqlite3/);
    setOptionalLoaderForTests(without('fzstd'));
    expect((await expectCode(importOpenclaw(log, file), 'INVALID_ARGUMENT')).message).toMatch(/needs the "fzstd" package \(to decompress zstd\): npm install fzstd/);
    expect((await log.listSessions()).sessions).toEqual([]);
    // a database with nothing compressed needs no fzstd
    const plain = join(dir, 'plain.sqlite');
    writeMainAgent(plain, 19).close();
    const r = await importOpenclaw(log, plain, { now: NOW });
    expect(r.sessions.find((s) => s.key === 'agent:main:main')?.status).toBe('imported');
  });

  it('after openclaw migrated its JSONL sessions into SQLite, a session imported from JSONL is updated, or skipped when earlier generations came along', async () => {
    const lines = [header('s1', '2026-09-20T08:00:00.000Z'), msg('m1', null, 'user', 'one', '2026-09-20T08:00:01.000Z')];
    const jsonl = join(dir, 'jsonl/agents/main/sessions');
    mkdirSync(jsonl, { recursive: true });
    writeFileSync(join(jsonl, 'sessions.json'), JSON.stringify({ a: { sessionId: 's1', updatedAt: T0 }, b: { sessionId: 's1', updatedAt: T0 } }));
    writeFileSync(join(jsonl, 's1.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    expect((await importOpenclaw(log, join(dir, 'jsonl'), { now: NOW })).sessions.map((s) => s.status)).toEqual(['imported', 'imported']);
    const file = join(dir, 'sqlite/agents/main/agent/openclaw-agent.sqlite');
    const w = new AgentDbWriter(file, 23);
    w.node('a', 'wa', { sessionId: 'wa', updatedAt: T0 + 1 }, T0).window('wa', 'a', null, 'initial', T0);
    w.node('b', 'wb', { sessionId: 'wb', updatedAt: T0 + 1 }, T0).window('wb', 'b', null, 'initial', T0);
    for (const id of ['wa', 'wb']) w.events(id, [...lines, msg('m2', 'm1', 'assistant', 'two', '2026-09-20T08:00:02.000Z')]);
    w.archive('old-b', 'b', [header('old-b', '2026-09-01T00:00:00.000Z'), msg('o1', null, 'user', 'before', '2026-09-01T00:00:01.000Z')].map((l) => JSON.stringify(l)).join('\n'));
    w.close();
    const r = await importOpenclaw(log, join(dir, 'sqlite'), { now: NOW });
    expect(r.sessions.map((s) => [s.key, s.status])).toEqual([
      ['a', 'updated'],
      ['b', 'skipped'],
    ]);
    expect(await contents('a')).toEqual(['one', 'two']);
  });

  it('records the import in the marker metadata, like the JSONL era', async () => {
    const file = join(dir, 'openclaw-agent.sqlite');
    writeMainAgent(file).close();
    await importOpenclaw(log, file, { now: NOW });
    expect((await log.getSession('agent:main:main'))?.metadata[IMPORT_MARKER]).toMatchObject({ source: 'openclaw', messages: 9, archived: 4 });
  });
});
