import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importOpenclaw, importPicoclaw } from '../src/import/index.js';
import { isInside, readSourceFile } from '../src/import/source-files.js';
import { openMemorySessionLog } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { collect } from './support/collect.js';
import { tempDir } from './support/harness.js';
import { writeFiles } from './support/fixtures.js';
import { expectCode } from './support/messages.js';

/**
 * Imports read only regular files inside the source folder, up to a size limit; links and
 * openclaw sessionFile paths that leave the folder are reported, not followed, unless allowed.
 * (FIFOs and /dev/zero, which hung or filled memory, are in import-files.int.test.ts.)
 */

let dir: string;
let log: SessionLog;
beforeEach(() => {
  dir = tempDir();
  log = openMemorySessionLog();
});
afterEach(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

const meta = (key: string) => JSON.stringify({ key, summary: '', skip: 0, count: 1 });
const legacy = (key: string, content: string) => JSON.stringify({ key, messages: [{ role: 'user', content }] });
const texts = async (k: string): Promise<unknown[]> => (await log.getHistory(k)).map((m) => m.content);
const reasons = (r: { problems: Array<{ file: string; reason: string; fatal: boolean }> }) => r.problems.map((p) => `${p.file.split('/').pop()}: ${p.reason}`);

describe('picoclaw: links', () => {
  it('reports a symlink that leaves the source folder instead of reading it, and reads it when allowed', async () => {
    writeFiles(join(dir, 'elsewhere'), { 'secret.json': legacy('secret', 'from outside'), 'x.meta.json': meta('x:outside') });
    const src = writeFiles(join(dir, 'src'), { 'inside.json': legacy('inside', 'here'), 'x.jsonl': '{"role":"user","content":"hi"}\n' });
    symlinkSync(join(dir, 'elsewhere/secret.json'), join(src, 'secret.json'));
    symlinkSync(join(dir, 'elsewhere/x.meta.json'), join(src, 'x.meta.json'));
    symlinkSync(join(src, 'inside.json'), join(src, 'alias.json')); // a link inside the folder is fine
    const r = await importPicoclaw(log, src);
    expect(await log.getSession('secret')).toBeUndefined();
    expect(await log.getSession('x:outside')).toBeUndefined();
    expect(await texts('inside')).toEqual(['here']);
    expect(reasons(r)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^secret\.json: leads outside the source folder/), expect.stringMatching(/^x\.meta\.json: leads outside the source folder/)]),
    );
    expect(r.problems.every((p) => p.fatal)).toBe(true);

    const allowed = await importPicoclaw(log, src, { allowOutsideSource: true });
    expect(await texts('secret')).toEqual(['from outside']);
    expect(await texts('x:outside')).toEqual(['hi']);
    expect(allowed.problems.filter((p) => /outside/.test(p.reason))).toEqual([]);
  });

  it('a source given through a link is read in full, and reported under the path given', async () => {
    writeFiles(join(dir, 'real/workspace/sessions'), { 'k.json': legacy('k', 'x'), 'bad.json': '{' });
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    const r = await importPicoclaw(log, join(dir, 'link'));
    expect(await texts('k')).toEqual(['x']);
    expect(r.problems.map((p) => p.file)).toEqual([join(dir, 'link/workspace/sessions/bad.json')]);
  });

  it('reports a sessions folder that is a link leaving the source', async () => {
    writeFiles(join(dir, 'elsewhere'), { 'k.json': legacy('k', 'x') });
    mkdirSync(join(dir, 'home/workspace'), { recursive: true });
    symlinkSync(join(dir, 'elsewhere'), join(dir, 'home/workspace/sessions'));
    const r = await importPicoclaw(log, join(dir, 'home'));
    expect(r.problems).toEqual([expect.objectContaining({ subject: 'folder', fatal: true, reason: expect.stringContaining('leads outside the source folder') })]);
    expect(await log.getSession('k')).toBeUndefined();
  });

  it('reports a directory or an oversized file with a session name, and reads the rest', async () => {
    const src = writeFiles(join(dir, 'src'), { 'ok.json': legacy('ok', 'fine'), 'big.json': legacy('big', 'x'.repeat(2000)) });
    mkdirSync(join(src, 'dir.json'));
    const r = await importPicoclaw(log, src, { maxFileBytes: 1000 });
    expect(await texts('ok')).toEqual(['fine']);
    expect(reasons(r).sort()).toEqual([expect.stringMatching(/^big\.json: is larger than the 0\.001 MiB limit/), 'dir.json: is a directory, not a regular file; not read']);
    await expectCode(importPicoclaw(log, src, { maxFileBytes: 0 }), 'INVALID_ARGUMENT');
    await expectCode(importPicoclaw(log, src, { recency: 'later' as never }), 'INVALID_ARGUMENT');
  });
});

describe('openclaw: sessionFile paths', () => {
  const header = (id: string) => `${JSON.stringify({ type: 'session', version: 3, id, timestamp: '2026-04-01T00:00:00.000Z', cwd: '/' })}\n`;
  const line = (content: string) => `${JSON.stringify({ type: 'message', id: 'e1', parentId: null, timestamp: '2026-04-01T00:00:01.000Z', message: { role: 'user', content } })}\n`;

  it('does not follow a sessionFile outside the source folder; uses the folder copy if there is one, else reports', async () => {
    writeFiles(join(dir, 'old-home'), { 's1.jsonl': header('s1') + line('outside copy'), 's2.jsonl': header('s2') + line('outside only') });
    const folder = writeFiles(join(dir, 'state/agents/a/sessions'), {
      'sessions.json': JSON.stringify({
        'k:copied': { sessionId: 's1', updatedAt: 1, sessionFile: join(dir, 'old-home/s1.jsonl') },
        'k:outside': { sessionId: 's2', updatedAt: 2, sessionFile: '../../../../old-home/s2.jsonl' },
        'k:escape': { sessionId: '../../../../old-home/s2', updatedAt: 3 },
      }),
      's1.jsonl': header('s1') + line('folder copy'),
    });
    const r = await importOpenclaw(log, join(dir, 'state'));
    expect(await texts('k:copied')).toEqual(['folder copy']);
    expect(r.sessions.find((s) => s.key === 'k:copied')?.note).toContain('is outside the source folder: not followed; used s1.jsonl');
    expect(await log.getSession('k:outside')).toBeUndefined();
    expect(r.problems).toEqual(expect.arrayContaining([expect.objectContaining({ subject: 'entry', fatal: true, reason: expect.stringContaining('"k:outside": sessionFile ../../../../old-home/s2.jsonl is outside the source folder') })]));
    // a sessionId is a file name, never a path
    expect(await texts('k:escape')).toEqual([]);
    expect(r.sessions.find((s) => s.key === 'k:escape')?.note).toContain('is not a file name');
    expect(JSON.stringify(await collect(log.readEvents('k:escape')))).not.toContain('outside only');

    const allowed = await importOpenclaw(log, folder, { allowOutsideSource: true });
    expect(allowed.sessions.find((s) => s.key === 'k:outside')?.status).toBe('imported');
    expect(await texts('k:outside')).toEqual(['outside only']);
  });

  it('reports a sessions.json or a transcript that is a link leaving the folder', async () => {
    writeFiles(join(dir, 'elsewhere'), { 'sessions.json': JSON.stringify({ k: { sessionId: 's', updatedAt: 1 } }), 't.jsonl': header('t') + line('outside') });
    const a = join(dir, 'a');
    mkdirSync(a);
    symlinkSync(join(dir, 'elsewhere/sessions.json'), join(a, 'sessions.json'));
    const r1 = await importOpenclaw(log, a);
    expect(r1.problems).toEqual([expect.objectContaining({ subject: 'file', fatal: true, reason: expect.stringContaining('leads outside the source folder') })]);
    const b = writeFiles(join(dir, 'b'), { 'sessions.json': JSON.stringify({ k: { sessionId: 't', updatedAt: 1 } }) });
    symlinkSync(join(dir, 'elsewhere/t.jsonl'), join(b, 't.jsonl'));
    const r2 = await importOpenclaw(log, b);
    expect(await log.getSession('k')).toBeUndefined();
    expect(r2.problems).toEqual([expect.objectContaining({ subject: 'file', fatal: true, reason: expect.stringContaining('leads outside the source folder') })]);
  });
});

describe('readSourceFile', () => {
  it('reads a file that fits, refuses one that does not, and tells inside from outside', () => {
    const f = join(dir, 'f.txt');
    writeFileSync(f, 'abcdef');
    const scope = { dir, root: dir, allowOutside: false, maxFileBytes: 6 };
    expect(readSourceFile(scope, f)).toMatchObject({ ok: true, text: 'abcdef' });
    expect(readSourceFile({ ...scope, maxFileBytes: 5 }, f)).toMatchObject({ ok: false, reason: expect.stringContaining('larger than') });
    expect(readSourceFile(scope, join(dir, 'missing'))).toMatchObject({ ok: false, reason: 'cannot be read (ENOENT)' });
    expect(isInside('/a/b', '/a/b')).toBe(true);
    expect(isInside('/a/b', '/a/b/c')).toBe(true);
    expect(isInside('/a/b', '/a/bc')).toBe(false);
    expect(isInside('/a/b', '/a')).toBe(false);
    expect(isInside('/a/b', '/a/b/../c')).toBe(false);
  });
});

describe.skipIf(!existsSync('/proc/self/status'))('readSourceFile on a file longer than its stat size', () => {
  it('reads it to the end, but never past the limit (a /proc file says size 0)', () => {
    const scope = { dir: '/', root: '/', allowOutside: true, maxFileBytes: 1024 * 1024 };
    const full = readSourceFile(scope, '/proc/self/status');
    expect(full.ok && full.text.length).toBeGreaterThan(100);
    expect(readSourceFile({ ...scope, maxFileBytes: 10 }, '/proc/self/status')).toMatchObject({ ok: false, reason: expect.stringContaining('larger than') });
  });
});
