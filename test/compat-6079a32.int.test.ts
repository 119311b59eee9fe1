import { execFileSync } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportJsonl, openSessionLog } from '../src/index.js';
import type { Message, SessionLog } from '../src/index.js';
import { tempDir } from './support/harness.js';

/**
 * A store written by the release at commit 6079a32 (its src taken with `git archive` and built
 * here against the same node_modules) keeps opening and working with this code: every read
 * returns what the old code read, verify, GC, backup and export work, new writes mix with the
 * old records, and the old code still reads the store afterwards (recency entries now carry
 * the session's version, which it ignores). Needs the repository's history.
 */
const BASELINE = '6079a32';
const ROOT = join(import.meta.dirname, '..');

type OldModule = { openSessionLog: (o: Record<string, unknown>) => SessionLog; exportJsonl: typeof exportJsonl };
let old: OldModule;

beforeAll(() => {
  const dir = tempDir('turnlog-compat-');
  execFileSync('sh', ['-c', `git -C "${ROOT}" archive ${BASELINE} src tsconfig.json tsconfig.build.json package.json | tar -x -C "${dir}"`]);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: dir });
  return import(pathToFileURL(join(dir, 'dist/src/index.js')).href).then((m: OldModule) => {
    old = m;
  });
}, 180_000);

const message = (i: number): Message => (i % 3 === 1 ? { role: 'assistant', content: `reply ${i}` } : { role: 'user', content: `message ${i} `.padEnd(120, 'x') });

/** Everything a reader sees of the store, as plain data. */
async function snapshot(log: SessionLog, exporter: typeof exportJsonl): Promise<unknown> {
  const keys: string[] = [];
  let cursor: string | undefined;
  const pages: unknown[] = [];
  do {
    const page = await log.listSessions({ limit: 7, ...(cursor === undefined ? {} : { cursor }) });
    pages.push(page.sessions);
    keys.push(...page.sessions.map((s) => s.key));
    cursor = page.cursor;
  } while (cursor !== undefined);
  const sessions: Record<string, unknown> = {};
  for (const key of keys) {
    const info = await log.getSession(key);
    const versions: unknown[] = [];
    for (let v = 1; v <= (info?.version ?? 0); v++) {
      try {
        versions.push([await log.getHistory(key, { atVersion: v }), await log.getSummary(key, { atVersion: v }), await log.getSession(key, { atVersion: v })]);
      } catch (error) {
        versions.push((error as { code?: string }).code); // PRUNED after GC, for both versions of the code
      }
    }
    const events: unknown[] = [];
    for await (const e of log.readEvents(key)) events.push(e);
    const replay: unknown[] = [];
    for await (const step of log.replay(key)) replay.push(step);
    sessions[key] = { info, history: await log.getHistory(key), last3: await log.getHistory(key, { last: 3 }), versions, events, replay };
  }
  let text = '';
  await exporter(log, keys, (t) => void (text += t));
  return { pages, sessions, export: text };
}

async function writeOldStore(path: string): Promise<void> {
  const log = old.openSessionLog({ path, checkpointEvery: 4 });
  for (let i = 0; i < 30; i++) await log.addFullMessage('a', message(i));
  await log.removeLast('a', 6); // reaches sealed messages: a new chunk region
  await log.replaceLast('a', 2, [message(100), message(101)]);
  await log.setSummary('a', 'summary of a', { through: 20 });
  await log.updateMetadata('a', { owner: 'ops', tags: ['x'] });
  await log.truncateHistory('a', 10);
  for (let i = 0; i < 9; i++) await log.addFullMessage('b', message(i), { eventId: `b-${i}` });
  await log.addMessage('gone', 'user', 'deleted later');
  await log.deleteSession('gone');
  for (let s = 0; s < 20; s++) await log.updateMetadata(`s${s}`, { n: s }, { at: 1_000 + s });
  await log.close();
}

describe(`a store written by ${BASELINE}`, () => {
  it('reads the same, verifies, collects, backs up and exports with this code, takes new writes, and stays readable by the old code', async () => {
    const dir = tempDir();
    const path = join(dir, 'store');
    await writeOldStore(path);

    const before = old.openSessionLog({ path, create: false } as never);
    const seenByOld = await snapshot(before, old.exportJsonl);
    await before.close();

    let log = openSessionLog({ path, checkpointEvery: 4 });
    expect(await snapshot(log, exportJsonl)).toEqual(seenByOld);
    expect((await log.verify()).mismatches).toEqual([]);

    // New writes beside the old records: appends across checkpoints, a removal into sealed
    // messages, metadata (recency entries with a version beside old ones without).
    for (let i = 200; i < 215; i++) await log.addFullMessage('a', message(i));
    await log.removeLast('a', 5);
    await log.updateMetadata('s3', { n: 'three' });
    await log.addFullMessage('b', message(0), { eventId: 'b-0' }); // a retry under an old id: a duplicate
    expect((await log.getSession('b'))?.version).toBe(9);
    expect((await log.listSessions({ limit: 2 })).sessions.map((s) => s.key)).toEqual(['s3', 'a']);
    expect((await log.verify()).mismatches).toEqual([]);
    const afterWrites = await snapshot(log, exportJsonl);

    // GC with a window of 0 collects everything not current; reads of the current state stay the same.
    await log.close();
    log = openSessionLog({ path, checkpointEvery: 4, replayWindow: 0 });
    const report = await log.gc();
    expect(report.eventsRemoved).toBeGreaterThan(0);
    expect(await log.getHistory('a')).toEqual(((afterWrites as { sessions: Record<string, { history: unknown }> }).sessions['a'])?.history);
    expect((await log.verify()).mismatches).toEqual([]);

    const dest = join(dir, 'backup');
    await log.backup(dest, { compact: true });
    await log.close();
    const copy = openSessionLog({ path: dest, create: false });
    expect((await copy.verify()).mismatches).toEqual([]);
    expect(await copy.getHistory('a')).toEqual(((afterWrites as { sessions: Record<string, { history: unknown }> }).sessions['a'])?.history);
    await copy.close();

    // The old code still opens the store this code wrote, and reads the same.
    log = openSessionLog({ path, create: false });
    const now = await snapshot(log, exportJsonl);
    await log.close();
    const again = old.openSessionLog({ path, create: false } as never);
    expect(await snapshot(again, old.exportJsonl)).toEqual(now);
    expect((await again.verify()).mismatches).toEqual([]);
    await again.close();
    expect(existsSync(join(path, 'data.mdb'))).toBe(true);
  }, 120_000);
});
