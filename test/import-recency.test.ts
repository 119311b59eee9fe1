import { rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importOpenclaw, importPicoclaw } from '../src/import/index.js';
import { idleWarning } from '../src/import/recency.js';
import { openMemorySessionLog } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { tempDir } from './support/harness.js';
import { PICOCLAW_HOME, writeFiles } from './support/fixtures.js';

/**
 * Imported sessions' times: never 0 (an openclaw entry without updatedAt used to import as 1970),
 * and a way to keep imported sessions from a ttl that counts idle time from their source times.
 */

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T00:00:00Z');
let dir: string;
let log: SessionLog;
beforeEach(() => {
  dir = tempDir();
  log = openMemorySessionLog({ ttl: '30d', clock: () => NOW });
});
afterEach(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('times of imported sessions are never 0', () => {
  const header = `${JSON.stringify({ type: 'session', version: 3, id: 't', timestamp: '2026-04-01T00:00:00.000Z', cwd: '/' })}\n`;
  const msg = (id: string, parentId: string | null, timestamp: string, content: string) => `${JSON.stringify({ type: 'message', id, parentId, timestamp, message: { role: 'user', content } })}\n`;

  it('openclaw without updatedAt: the newest time in the transcript, else the index file mtime', async () => {
    const folder = writeFiles(join(dir, 'oc'), {
      'sessions.json': JSON.stringify({ 'with-transcript': { sessionId: 't' }, 'metadata-only': { sessionId: 'none', updatedAt: 0 } }),
      // the newest time is on an abandoned branch, not on the last line
      't.jsonl': header + msg('a', null, '2026-04-01T00:00:01.000Z', 'q') + msg('x', 'a', '2026-04-03T00:00:00.000Z', 'retried away') + msg('b', 'a', '2026-04-02T00:00:00.000Z', 'kept'),
    });
    const mtime = Date.parse('2026-05-05T05:05:05Z');
    utimesSync(join(folder, 'sessions.json'), mtime / 1000, mtime / 1000);
    await importOpenclaw(log, folder);
    expect(await log.getSession('with-transcript')).toMatchObject({ createdAt: Date.parse('2026-04-01T00:00:00.000Z'), updatedAt: Date.parse('2026-04-03T00:00:00.000Z') });
    expect(await log.getSession('metadata-only')).toMatchObject({ createdAt: mtime, updatedAt: mtime });
  });

  it('picoclaw without updated: the newest message time, else the file mtime; never before created', async () => {
    const folder = writeFiles(join(dir, 'pc'), {
      'a.json': JSON.stringify({ key: 'a', messages: [{ role: 'user', content: 'x', created_at: '2026-03-03T00:00:00Z' }, { role: 'user', content: 'y', created_at: '2026-03-01T00:00:00Z' }] }),
      'b.json': JSON.stringify({ key: 'b', messages: [{ role: 'user', content: 'x' }], created: '2026-02-01T00:00:00Z' }),
      'c.json': JSON.stringify({ key: 'c', messages: [{ role: 'user', content: 'x' }], created: '2026-02-02T00:00:00Z', updated: '2026-02-01T00:00:00Z' }),
    });
    const mtime = Date.parse('2026-06-06T06:06:06Z');
    utimesSync(join(folder, 'b.json'), mtime / 1000, mtime / 1000);
    await importPicoclaw(log, folder);
    expect(await log.getSession('a')).toMatchObject({ createdAt: Date.parse('2026-03-01T00:00:00Z'), updatedAt: Date.parse('2026-03-03T00:00:00Z') });
    expect(await log.getSession('b')).toMatchObject({ createdAt: Date.parse('2026-02-01T00:00:00Z'), updatedAt: mtime });
    expect(await log.getSession('c')).toMatchObject({ createdAt: Date.parse('2026-02-02T00:00:00Z'), updatedAt: Date.parse('2026-02-02T00:00:00Z') });
  });
});

describe('recency: what a ttl counts idle time from', () => {
  it("by default sessions keep their source times, and the report warns that a ttl would delete them", async () => {
    const r = await importPicoclaw(log, PICOCLAW_HOME, { now: NOW });
    expect((await log.getSession('slack:C0452'))?.updatedAt).toBe(Date.parse('2025-12-02T14:00:03.75Z'));
    expect(r.warnings).toEqual([expect.stringMatching(/^5 imported sessions were last active more than a day ago \(the oldest 363 days ago, 2025-12-02\).*gc --ttl 30d would delete 5 of them now.*--recency import/)]);
    // nothing new written, nothing to warn about
    expect((await importPicoclaw(log, PICOCLAW_HOME, { now: NOW })).warnings).toEqual([]);
  });

  it("recency 'import' counts from the import: a GC with ttl keeps every imported session", async () => {
    const r = await importPicoclaw(log, PICOCLAW_HOME, { recency: 'import', now: NOW });
    expect(r.warnings).toEqual([]);
    const sessions = (await log.listSessions({ limit: 100 })).sessions;
    expect(sessions).toHaveLength(5);
    expect(sessions.every((s) => s.updatedAt === NOW)).toBe(true);
    // created keeps the source time; the source's last activity is kept in the import marker
    expect(await log.getSession('slack:C0452')).toMatchObject({ createdAt: Date.parse('2025-12-02T14:00:00Z'), metadata: { turnlogImport: { recency: 'import', sourceUpdatedAt: Date.parse('2025-12-02T14:00:03.75Z') } } });
    const gc = await log.gc();
    expect(gc.sessionsExpired).toBe(0);
    expect((await log.listSessions({ limit: 100 })).sessions).toHaveLength(5);
  });

  it("importing again with 'import' moves sessions imported with source times, once; a plain re-run never moves them back", async () => {
    await importPicoclaw(log, PICOCLAW_HOME);
    const moved = await importPicoclaw(log, PICOCLAW_HOME, { recency: 'import' });
    expect(moved.sessions.map((s) => [s.status, s.events])).toEqual(Array.from({ length: 5 }, () => ['updated', 1]));
    expect(moved.sessions[0]?.note).toContain('idle time now counts from the import');
    expect((await log.listSessions({ limit: 100 })).sessions.every((s) => s.updatedAt === NOW)).toBe(true);
    expect((await importPicoclaw(log, PICOCLAW_HOME, { recency: 'import' })).sessions.every((s) => s.status === 'unchanged')).toBe(true);
    expect((await importPicoclaw(log, PICOCLAW_HOME)).sessions.every((s) => s.status === 'unchanged')).toBe(true);
    expect((await log.gc()).sessionsExpired).toBe(0);
  });

  it("a session imported with 'import' keeps counting from imports when a plain run brings in what the source appended", async () => {
    const line = (content: string) => `${JSON.stringify({ role: 'user', content, created_at: '2026-01-01T00:00:00Z' })}\n`;
    const src = writeFiles(join(dir, 'grows'), { 'k.jsonl': line('one'), 'k.meta.json': JSON.stringify({ key: 'k', skip: 0, updated_at: '2026-01-01T00:00:00Z' }) });
    await importPicoclaw(log, src, { recency: 'import', now: NOW });
    writeFiles(src, { 'k.jsonl': line('one') + line('two') });
    const r = await importPicoclaw(log, src, { now: NOW });
    expect(r.sessions[0]?.status).toBe('updated');
    expect((await log.getSession('k'))?.updatedAt).toBe(NOW);
    expect(r.warnings).toEqual([]);
  });

  it('the warning counts and dates what it says', () => {
    expect(idleWarning([NOW, NOW - DAY / 2], NOW, true)).toBeUndefined();
    const w = idleWarning([NOW - 2 * DAY, NOW - 40 * DAY, NOW], NOW, false);
    expect(w).toBe(
      '2 imported sessions were last active more than a day ago (the oldest 40 days ago, 2026-10-22) and keep that time: a GC with a ttl counts idle time from it (gc --ttl 30d would delete 1 of them now).',
    );
  });
});
