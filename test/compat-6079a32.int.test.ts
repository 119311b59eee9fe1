import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { open } from 'lmdb';
import type { Key } from 'lmdb';
import { decodeFormat, isPack } from '../src/core/codec.js';
import { unpackMap } from '../src/core/codec-fields.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportJsonl, openSessionLog } from '../src/index.js';
import type { Message, SessionLog } from '../src/index.js';
import { tempDir } from './support/harness.js';

/**
 * A store written by the release at commit 6079a32 (its src taken with `git archive` and built
 * here against the same node_modules) keeps opening and working with this code: opening upgrades
 * it to store format 2 (its format record alone: old whole chunks and events stay as they are),
 * every read returns what the old code read, verify, GC, backup and export work, and new writes
 * (compressed chunks, packs of stub events) mix with the old records. From then on the old code refuses
 * the store with UNSUPPORTED_FORMAT, before writing anything, instead of misreading the new
 * records. Needs the repository's history.
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

/** The store's format number, read from its file beside any open handle. */
function rawFormat(path: string): number {
  const env = open<Uint8Array, string>({ path, encoding: 'binary', readOnly: true });
  try {
    const raw = env.get('turnlog:format');
    return raw === undefined ? 0 : decodeFormat(raw).format;
  } finally {
    void env.close();
  }
}

/** Digests of the stored events rows, which of them are packs of events, and how many chunks are compressed. */
function records(path: string): { events: Map<string, string>; packs: Set<string>; compressedChunks: number } {
  const env = open<Uint8Array, string>({ path, encoding: 'binary', readOnly: true, maxDbs: 20 });
  try {
    const events = new Map<string, string>();
    const packs = new Set<string>();
    for (const { key, value } of env.openDB<Uint8Array, Key>({ name: 'events', encoding: 'binary' }).getRange({})) {
      const k = JSON.stringify(key);
      events.set(k, createHash('sha256').update(value).digest('hex'));
      if (isPack(value)) packs.add(k);
      else unpackMap(value, 'event');
    }
    let compressedChunks = 0;
    for (const { value } of env.openDB<Uint8Array, Key>({ name: 'chunks', encoding: 'binary' }).getRange({})) if (value[0] === 0x01) compressedChunks++;
    return { events, packs, compressedChunks };
  } finally {
    void env.close();
  }
}

describe(`a store written by ${BASELINE}`, () => {
  it('is upgraded on open, reads the same, verifies, collects, backs up and exports with this code, takes new writes, and is then refused by the old code', async () => {
    const dir = tempDir();
    const path = join(dir, 'store');
    await writeOldStore(path);

    const before = old.openSessionLog({ path, create: false } as never);
    const seenByOld = await snapshot(before, old.exportJsonl);
    await before.close();

    expect(rawFormat(path)).toBe(1);
    let log = openSessionLog({ path, checkpointEvery: 4 });
    await log.close();
    expect(rawFormat(path)).toBe(2);
    log = openSessionLog({ path, checkpointEvery: 4 });
    expect(await snapshot(log, exportJsonl)).toEqual(seenByOld);
    expect((await log.verify()).mismatches).toEqual([]);
    await log.close();
    const oldRecords = records(path);
    log = openSessionLog({ path, checkpointEvery: 4 });

    // New writes beside the old records: appends across checkpoints, a removal into sealed
    // messages, metadata (recency entries with a version beside old ones without).
    for (let i = 200; i < 215; i++) await log.addFullMessage('a', message(i));
    await log.removeLast('a', 5);
    await log.updateMetadata('s3', { n: 'three' });
    await log.addFullMessage('b', message(0), { eventId: 'b-0' }); // a retry under an old id: a duplicate
    for (let i = 9; i < 20; i++) await log.addFullMessage('b', message(i), { eventId: `b-${i}` });
    expect((await log.getSession('b'))?.version).toBe(20);
    expect((await log.listSessions({ limit: 2 })).sessions.map((s) => s.key)).toEqual(['b', 's3']);
    expect((await log.verify()).mismatches).toEqual([]);
    // The old records were not rewritten (but the old events after the last old checkpoint, which
    // the first new checkpoint packed: deleted); the new ones use format 2's encodings.
    await log.close();
    const newRecords = records(path);
    log = openSessionLog({ path, checkpointEvery: 4 });
    for (const [k, digest] of oldRecords.events) if (newRecords.events.has(k) && !newRecords.packs.has(k)) expect(newRecords.events.get(k)).toBe(digest);
    expect([...newRecords.packs].some((k) => !oldRecords.events.has(k))).toBe(true);
    expect(newRecords.compressedChunks).toBeGreaterThan(0);
    expect(oldRecords.compressedChunks + oldRecords.packs.size).toBe(0);
    const afterWrites = await snapshot(log, exportJsonl);
    // Every version the old code wrote still reads as the old code read it, stubbed or not.
    type Seen = { sessions: Record<string, { versions: unknown[]; events: unknown[] }> };
    for (const [key, was] of Object.entries((seenByOld as Seen).sessions)) {
      const now = (afterWrites as Seen).sessions[key];
      expect(now?.versions.slice(0, was.versions.length)).toEqual(was.versions);
      expect(now?.events.slice(0, was.events.length)).toEqual(was.events);
    }

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

    // The old code refuses the upgraded store before writing anything.
    const fileBefore = createHash('sha256').update(readFileSync(join(path, 'data.mdb'))).digest('hex');
    let refused: unknown;
    try {
      old.openSessionLog({ path, create: false } as never);
    } catch (error) {
      refused = error;
    }
    expect((refused as { code?: string }).code).toBe('UNSUPPORTED_FORMAT');
    expect(createHash('sha256').update(readFileSync(join(path, 'data.mdb'))).digest('hex')).toBe(fileBefore);
    log = openSessionLog({ path, create: false });
    expect(await log.getHistory('a')).toEqual(((afterWrites as { sessions: Record<string, { history: unknown }> }).sessions['a'])?.history);
    await log.close();
    expect(existsSync(join(path, 'data.mdb'))).toBe(true);
  }, 120_000);
});
