import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openMemorySessionLog } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { exportPicoclaw, fallbackStem } from '../src/import/export-picoclaw.js';
import { importPicoclaw } from '../src/import/index.js';
import { expectCode } from './support/messages.js';

const root = mkdtempSync(join(tmpdir(), 'turnlog-pico-export-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => {
  const parent = join(root, `case-${++n}`);
  mkdirSync(parent);
  return parent;
};

/** Keys picoclaw's own file naming cannot carry, or carries only partly. */
const HARD_KEYS = [
  '.',
  '..',
  '../../x',
  '../escape',
  '/etc/passwd',
  '.hidden',
  '...',
  'a\u0000b',
  '\u0000',
  'a:b',
  'a_b', // picoclaw names both a:b and a_b "a_b"
  'x'.repeat(235),
  'x'.repeat(240),
  'y'.repeat(245),
  'y'.repeat(246),
  'é'.repeat(123), // 246 bytes, 123 characters
  'z'.repeat(4096),
  'name.tmp',
  'name.meta',
  'name.migrated',
  'tab\tand\nnewline',
  '😀:'.repeat(40),
];

async function storeWith(keys: string[]): Promise<SessionLog> {
  const log = openMemorySessionLog();
  for (const [i, key] of keys.entries()) {
    await log.addMessages(key, [{ role: 'user', content: `q${i}` }, { role: 'assistant', content: `a${i}` }]);
    await log.setSummary(key, `summary ${i}`);
  }
  return log;
}

async function state(log: SessionLog): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let cursor: string | undefined;
  do {
    const page = await log.listSessions({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    for (const s of page.sessions) out[s.key] = { history: await log.getHistory(s.key), summary: s.summary };
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

describe('exportPicoclaw: every key exports to a file that re-imports to it', () => {
  it('exports every hard key and re-imports each to the same key, writing only inside the folder', async () => {
    const parent = fresh();
    const out = join(parent, 'sessions');
    const src = await storeWith(HARD_KEYS);
    const r = await exportPicoclaw(src, out, HARD_KEYS);
    expect(r.problems.filter((p) => p.fatal)).toEqual([]);
    expect(r.sessions).toBe(HARD_KEYS.length);
    // Nothing beside the folder, nothing hidden or temporary in it, only regular files.
    expect(readdirSync(parent)).toEqual(['sessions']);
    const names = readdirSync(out);
    expect(names).toHaveLength(HARD_KEYS.length * 2);
    for (const name of names) {
      expect(name.startsWith('.')).toBe(false);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
      expect(lstatSync(join(out, name)).isFile()).toBe(true);
    }
    // Plain keys keep picoclaw's own name; the others are reported as notes.
    expect(names).toContain('a_b.jsonl');
    expect(names).toContain(`${'x'.repeat(235)}.jsonl`);
    const back = openMemorySessionLog();
    const imported = await importPicoclaw(back, out);
    expect(imported.problems).toEqual([]);
    expect(await state(back)).toEqual(await state(src));
    await src.close();
    await back.close();
  });

  it('gives distinct keys distinct safe names', () => {
    const stems = HARD_KEYS.map(fallbackStem);
    expect(new Set(stems).size).toBe(stems.length);
    for (const s of stems) {
      expect(s).not.toMatch(/^\.|\/|\\|\u0000/);
      expect(Buffer.byteLength(`${s}.meta.json`)).toBeLessThanOrEqual(255);
    }
  });

  it('never replaces an entry that appears meanwhile: the key takes its safe name instead', async () => {
    const log = await storeWith(['a', 'b']);
    const out = join(fresh(), 'out');
    // After 'a', someone else creates b.jsonl (as a case-insensitive file system would see B.jsonl).
    const r = await exportPicoclaw(log, out, ['a', 'b'], { onProgress: (done) => done === 1 && writeFileSync(join(out, 'b.jsonl'), 'foreign') });
    expect(r.sessions).toBe(2);
    expect(readFileSync(join(out, 'b.jsonl'), 'utf8')).toBe('foreign');
    expect(r.problems).toEqual([expect.objectContaining({ fatal: false, file: join(out, `${fallbackStem('b')}.jsonl`) })]);
    expect(readdirSync(out).sort()).toEqual(['a.jsonl', 'a.meta.json', 'b.jsonl', `${fallbackStem('b')}.jsonl`, `${fallbackStem('b')}.meta.json`].sort());
    await log.close();
  });

  it("keeps picoclaw's scope and aliases", async () => {
    const log = openMemorySessionLog();
    await log.addMessage('tg:1', 'user', 'hi');
    await log.updateMetadata('tg:1', { scope: { agent: 'main' }, aliases: ['tg:one'], other: 1 });
    const out = join(fresh(), 'out');
    await exportPicoclaw(log, out, ['tg:1']);
    const back = openMemorySessionLog();
    await importPicoclaw(back, out);
    const meta = (await back.getSession('tg:1'))?.metadata ?? {};
    expect({ scope: meta['scope'], aliases: meta['aliases'] }).toEqual({ scope: { agent: 'main' }, aliases: ['tg:one'] });
    await log.close();
    await back.close();
  });

  it('refuses a non-empty folder, a file and a link, writing nothing', async () => {
    const log = await storeWith(['k']);
    const parent = fresh();
    const full = join(parent, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'x');
    await expectCode(exportPicoclaw(log, full, ['k']), 'INVALID_ARGUMENT');
    expect(readdirSync(full)).toEqual(['keep.txt']);
    const file = join(parent, 'file');
    writeFileSync(file, 'x');
    await expectCode(exportPicoclaw(log, file, ['k']), 'INVALID_ARGUMENT');
    const empty = join(parent, 'empty');
    mkdirSync(empty);
    const link = join(parent, 'link');
    symlinkSync(empty, link);
    await expectCode(exportPicoclaw(log, link, ['k']), 'INVALID_ARGUMENT');
    expect(readdirSync(empty)).toEqual([]);
    await log.close();
  });
});
