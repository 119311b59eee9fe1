import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAtomic } from '../src/import/export-picoclaw.js';
import { exportJsonl, sessionJsonlLines } from '../src/import/export-jsonl.js';
import { importTurnlogJsonl } from '../src/import/turnlog-jsonl.js';
import { checkOutputFile, removeTempFiles, TempFile } from '../src/import/safe-output.js';
import { openMemorySessionLog } from '../src/open.js';
import { expectCode } from './support/messages.js';
import { collect } from './support/collect.js';

const root = mkdtempSync(join(tmpdir(), 'turnlog-export-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const dir = join(root, `case-${++n}`);
  mkdirSync(dir);
  return dir;
};

describe('output paths', () => {
  it('accepts a new name or a regular file; refuses a directory, a link, a FIFO and a missing folder', async () => {
    const dir = fresh();
    checkOutputFile(join(dir, 'new.jsonl'));
    writeFileSync(join(dir, 'old.jsonl'), 'x');
    checkOutputFile(join(dir, 'old.jsonl'));
    await expectCode(() => checkOutputFile(dir), 'INVALID_ARGUMENT');
    symlinkSync(join(dir, 'old.jsonl'), join(dir, 'link'));
    await expectCode(() => checkOutputFile(join(dir, 'link')), 'INVALID_ARGUMENT');
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    await expectCode(() => checkOutputFile(join(dir, 'dangling')), 'INVALID_ARGUMENT');
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await expectCode(() => checkOutputFile(join(dir, 'fifo')), 'INVALID_ARGUMENT');
    await expectCode(() => checkOutputFile('/dev/null'), 'INVALID_ARGUMENT');
    await expectCode(() => checkOutputFile(join(dir, 'missing', 'x.jsonl')), 'INVALID_ARGUMENT');
    // A trailing '/' or '/.' says "directory", even when a file or nothing has that name.
    for (const p of [`${dir}/old.jsonl/`, `${dir}/old.jsonl/.`, `${dir}/brandnew/`, `${dir}/x/..`, '.', '..', '']) {
      await expectCode(() => checkOutputFile(p), 'INVALID_ARGUMENT');
    }
  });

  it('creates temporary files owner-only from the first byte, even under umask 000', () => {
    const dir = fresh();
    const old = process.umask(0);
    try {
      const tmp = new TempFile(dir);
      expect(statSync(tmp.path).mode & 0o777).toBe(0o600);
      expect(tmp.path.length - dir.length).toBeLessThan(48); // short, whatever the target's name
      tmp.write('x');
      tmp.commitReplacing(join(dir, 'out'));
      expect(statSync(join(dir, 'out')).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });

  it('removes its temporary file when the target turns into a directory before the rename', async () => {
    const dir = fresh();
    const tmp = new TempFile(dir);
    tmp.write('data');
    mkdirSync(join(dir, 'target'));
    await expectCode(() => tmp.commitReplacing(join(dir, 'target')), 'INVALID_ARGUMENT');
    tmp.discard();
    expect(readdirSync(dir)).toEqual(['target']);
  });

  it('removeTempFiles (the signal handler) removes every live temporary file', () => {
    const dir = fresh();
    new TempFile(dir).write('a');
    new TempFile(dir).write('b');
    expect(readdirSync(dir)).toHaveLength(2);
    removeTempFiles();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writeAtomic handles a 250-byte name and never replaces a link', async () => {
    const dir = fresh();
    const long = join(dir, `${'n'.repeat(244)}.jsonl`);
    writeAtomic(long, 'one');
    writeAtomic(long, 'two');
    expect(readFileSync(long, 'utf8')).toBe('two');
    writeFileSync(join(dir, 'target'), 'keep');
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    await expectCode(() => writeAtomic(join(dir, 'link'), 'x'), 'INVALID_ARGUMENT');
    expect(lstatSync(join(dir, 'link')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'target'), 'utf8')).toBe('keep');
    expect(readdirSync(dir).sort()).toEqual([`${'n'.repeat(244)}.jsonl`, 'link', 'target'].sort());
  });
});

describe('jsonl export lines', () => {
  it('a session GC folded starts with a base line holding summary, metadata, positions and times', async () => {
    let now = 0;
    const log = openMemorySessionLog({ clock: () => (now += 1000), replayWindow: 0, checkpointEvery: 2 });
    await log.addMessages('k', [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }]); // v1
    await log.updateMetadata('k', { channel: 'tg' }); // v2
    await log.truncateHistory('k', 1); // v3
    await log.setSummary('k', 'sum'); // v4
    await log.addMessage('k', 'user', 'c'); // v5
    await log.gc({ now: 4000 }); // base: the checkpoint at v4
    const lines: Array<Record<string, unknown>> = [];
    for await (const l of sessionJsonlLines(log, 'k')) lines.push(JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ key: 'k', type: 'session.base', version: 4, createdAt: 1000, at: 4000, summary: 'sum', metadata: { channel: 'tg' }, messages: [{ role: 'user', content: 'b' }], start: 1, next: 2 });
    expect(lines.slice(1).map((l) => l['version'])).toEqual([5]);
    let text = '';
    expect(await exportJsonl(log, ['k', 'gone'], (s) => (text += s))).toEqual({ sessions: 1, events: 1 });
    expect(text.split('\n')).toHaveLength(3);
    await log.close();
  });
});

describe('jsonl import refuses what it cannot reproduce', () => {
  async function dumpOf(build: (log: ReturnType<typeof openMemorySessionLog>) => Promise<void>): Promise<string[]> {
    const log = openMemorySessionLog();
    await build(log);
    const lines: string[] = [];
    for await (const line of sessionJsonlLines(log, 'k')) lines.push(line);
    await log.close();
    return lines;
  }

  it('leaves out a session whose dump has a gap or an unknown event, and imports the rest', async () => {
    const lines = await dumpOf(async (log) => {
      for (let i = 0; i < 3; i++) await log.addMessage('k', 'user', `m${i}`);
    });
    const other = lines.map((l) => l.replace('"key":"k"', '"key":"ok"'));
    const file = join(fresh(), 'gap.jsonl');
    const unknown = lines.map((l, i) => l.replace('"key":"k"', '"key":"u"').replace(i === 1 ? 'messages.added' : '-', 'messages.teleported'));
    writeFileSync(file, [lines[0], lines[2], ...other, ...unknown].join(''));
    const dst = openMemorySessionLog();
    const r = await importTurnlogJsonl(dst, file);
    expect(r.sessions.map((s) => [s.key, s.status])).toEqual([['k', 'skipped'], ['ok', 'imported'], ['u', 'skipped']]);
    expect(r.problems.map((p) => p.reason)).toEqual([expect.stringContaining('version 2 is missing'), expect.stringContaining('unknown event type')]);
    expect(await dst.getSession('u')).toBeUndefined();
    expect(await dst.getSession('k')).toBeUndefined();
    expect(await dst.getHistory('ok')).toHaveLength(3);
    await dst.close();
  });

  it('restores a session exactly into a store with a smaller maxMessages; the cap applies from the next write', async () => {
    const lines = await dumpOf(async (log) => {
      await log.addMessages('k', [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }, { role: 'user', content: 'c' }]);
      await log.setSummary('k', 's');
      await log.addMessage('k', 'user', 'd');
    });
    const file = join(fresh(), 'cap.jsonl');
    writeFileSync(file, lines.join(''));
    const dst = openMemorySessionLog({ maxMessages: 2 });
    const r = await importTurnlogJsonl(dst, file);
    expect(r.problems).toEqual([]);
    expect(r.sessions[0]).toMatchObject({ key: 'k', status: 'imported', events: 3, messages: 4 });
    expect((await dst.getHistory('k')).map((m) => m.content)).toEqual(['a', 'b', 'c', 'd']); // over the cap of 2: as exported
    expect((await collect(dst.readEvents('k'))).map((e) => e.type)).toEqual(['messages.added', 'summary.set', 'messages.added']);
    await dst.addMessages('k', [{ role: 'user', content: 'e' }, { role: 'user', content: 'f' }]);
    expect((await dst.getSession('k'))?.messageCount).toBeLessThanOrEqual(2);
    await dst.close();
  });
});

describe('forked sessions in a jsonl dump', () => {
  it('re-import with their fork event as recorded, without their source; a retry is unchanged', async () => {
    const log = openMemorySessionLog();
    await log.addMessages('src', [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }]);
    await log.setSummary('src', 'S', { through: 1 });
    await log.addMessage('src', 'user', 'd');
    await log.updateMetadata('src', { m: 1 });
    await log.forkSession('src', 'k', { atVersion: 3, eventId: 'f1' });
    await log.addMessage('k', 'assistant', 'e');
    const lines: string[] = [];
    for await (const line of sessionJsonlLines(log, 'k')) lines.push(line);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ key: 'k', type: 'session.forked', version: 1, forkedFrom: { key: 'src', version: 3 }, from: 3, summary: 'S', eventId: 'f1' });
    const file = join(fresh(), 'fork.jsonl');
    writeFileSync(file, lines.join(''));
    const dst = openMemorySessionLog();
    const r = await importTurnlogJsonl(dst, file);
    expect(r.problems).toEqual([]);
    expect(r.sessions[0]).toMatchObject({ key: 'k', status: 'imported', events: 2, messages: 2 });
    expect(await collect(dst.readEvents('k'))).toEqual(await collect(log.readEvents('k')));
    expect(await dst.getSession('k')).toEqual(await log.getSession('k'));
    expect(await dst.diff('k', { fromVersion: 0 })).toEqual(await log.diff('k', { fromVersion: 0 }));
    expect((await importTurnlogJsonl(dst, file)).sessions[0]).toMatchObject({ status: 'unchanged' });
    // a fork line anywhere but first is refused
    writeFileSync(file, [lines[0], JSON.stringify({ ...JSON.parse(lines[0] as string), version: 2 }) + '\n'].join(''));
    const bad = await importTurnlogJsonl(openMemorySessionLog(), file);
    expect(bad.problems.map((p) => p.reason)).toEqual([expect.stringContaining('a fork is only ever the first event')]);
    await dst.close();
    await log.close();
  });
});

describe('getSession at a version', () => {
  it('gives the whole state as it was, metadata included; PRUNED below the GC base', async () => {
    let now = 0;
    const log = openMemorySessionLog({ clock: () => now, replayWindow: 0, checkpointEvery: 2 });
    now = 1000;
    await log.updateMetadata('k', { a: 1 }); // v1
    await log.addMessage('k', 'user', 'x'); // v2
    now = 2000;
    await log.updateMetadata('k', { a: 2 }); // v3
    await log.setSummary('k', 's'); // v4
    expect(await log.getSession('k', { atVersion: 0 })).toBeUndefined();
    expect(await log.getSession('k', { atVersion: 2 })).toEqual({ key: 'k', version: 2, messageCount: 1, createdAt: 1000, updatedAt: 1000, summary: '', metadata: { a: 1 } });
    expect(await log.getSession('k', { atVersion: 4 })).toEqual(await log.getSession('k'));
    await expectCode(() => log.getSession('k', { atVersion: 5 }), 'INVALID_ARGUMENT');
    await log.gc({ now: 1000 }); // base: the checkpoint at v2
    await expectCode(() => log.getSession('k', { atVersion: 1 }), 'PRUNED');
    expect((await log.getSession('k', { atVersion: 2 }))?.metadata).toEqual({ a: 1 });
    await log.close();
  });
});
