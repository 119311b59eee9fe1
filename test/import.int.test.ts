import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';
import { OPENCLAW_STATE, PICOCLAW_HOME, writeFiles } from './support/fixtures.js';
import { toolTurn } from './support/messages.js';
import { assertBuilt, ROOT, runNode } from './support/processes.js';
import { collect } from './support/collect.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');
let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (store: string, ...args: string[]) => runNode([CLI, '--path', store, ...args]);

async function state(path: string): Promise<Record<string, { history: unknown; summary: string }>> {
  const log = openSessionLog({ path, create: false });
  try {
    const out: Record<string, { history: unknown; summary: string }> = {};
    for (const s of (await log.listSessions({ limit: 1000 })).sessions) out[s.key] = { history: await log.getHistory(s.key), summary: s.summary };
    return out;
  } finally {
    void log.close();
  }
}

describe('turnlog import', () => {
  it('exit codes: 1 when something was left out, 0 when all imported, 2 on usage', async () => {
    const store = join(dir, 'codes');
    const pico = await cli(store, 'import', 'picoclaw', PICOCLAW_HOME);
    expect(pico.code).toBe(1); // broken.json
    expect(pico.stdout).toMatch(/not read .*broken\.json/);
    expect(pico.stdout).toMatch(/5 imported, 0 updated, 0 unchanged, 0 skipped; \d+ events written in \d+ ms; problems: 1 file, 1 line; 3 ignored/);
    const open = await cli(join(dir, 'codes-oc'), 'import', 'openclaw', OPENCLAW_STATE, '--json');
    expect(open.code).toBe(1); // the entry without a sessionId
    const report = JSON.parse(open.stdout) as { sessions: Array<{ status: string }>; problems: Array<{ fatal: boolean; subject: string }> };
    expect(report.sessions.map((s) => s.status)).toEqual(['imported', 'imported', 'imported']);
    expect(report.problems.map((p) => [p.subject, p.fatal])).toEqual([
      ['entry', true],
      ['line', false],
    ]);
    const again = await cli(join(dir, 'codes-oc'), 'import', 'openclaw', OPENCLAW_STATE);
    expect(again.stdout).toContain('0 imported, 0 updated, 3 unchanged');
    const cleanSource = writeFiles(join(dir, 'clean-src'), { 'k.jsonl': '{"role":"user","content":"hi"}\n', 'k.meta.json': '{"key":"k","skip":0}' });
    const clean = await cli(join(dir, 'codes-clean'), 'import', 'picoclaw', cleanSource);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('1 imported, 0 updated, 0 unchanged, 0 skipped');
    expect(clean.stdout).toContain('no problems; 0 ignored');
    expect((await cli(store, 'import', 'hermes', PICOCLAW_HOME)).code).toBe(2);
    expect((await cli(store, 'import', 'picoclaw', join(dir, 'missing'))).code).toBe(2);
    const dry = await cli(join(dir, 'dry'), 'import', 'openclaw', OPENCLAW_STATE, '--dry-run');
    expect(dry.stdout).toContain('dry run: 3 imported');
    expect(existsSync(join(dir, 'dry'))).toBe(false); // a dry run creates nothing
  });

  it('round trip picoclaw → turnlog → picoclaw → turnlog keeps histories and summaries', async () => {
    const first = join(dir, 'rt1');
    await cli(first, 'import', 'picoclaw', PICOCLAW_HOME);
    const back = join(dir, 'pico-again');
    const exp = await cli(first, 'export', '--format', 'picoclaw-jsonl', '--output', back);
    expect(exp.code).toBe(0);
    expect(readdirSync(back).sort()).toContain('agent_main_main.meta.json');
    const second = join(dir, 'rt2');
    const imp = await cli(second, 'import', 'picoclaw', back);
    expect(imp.code).toBe(0);
    expect(await state(second)).toEqual(await state(first));
  });

  it('round trip turnlog export jsonl → import jsonl keeps every event and every version', async () => {
    const src = join(dir, 'jsonl-src');
    let now = 1_700_000_000_000;
    const log = openSessionLog({ path: src, clock: () => (now += 1000), checkpointEvery: 3 });
    await log.addMessages('a', toolTurn('q1', 'c1'));
    await log.addMessage('a', 'user', 'q2', { eventId: 'turn-2' });
    await log.setSummary('a', 'sum', { through: 1 });
    await log.truncateHistory('a', 0, { safe: true });
    await log.setHistory('a', [{ role: 'user', content: 'fresh' }]);
    await log.updateMetadata('a', { channel: 'x', drop: null });
    await log.addMessage('b', 'user', 'other');
    await log.close();
    const file = join(dir, 'dump.jsonl');
    expect((await cli(src, 'export', '--output', file)).code).toBe(0);
    const dst = join(dir, 'jsonl-dst');
    const r = await cli(dst, 'import', 'jsonl', file);
    expect(r.code).toBe(0);
    const a = openSessionLog({ path: src, create: false });
    const b = openSessionLog({ path: dst, create: false });
    for (const key of ['a', 'b']) {
      expect(await collect(b.readEvents(key))).toEqual(await collect(a.readEvents(key)));
      const v = (await a.getSession(key))?.version ?? 0;
      for (let i = 0; i <= v; i++) expect(await b.getHistory(key, { atVersion: i })).toEqual(await a.getHistory(key, { atVersion: i }));
    }
    await a.close();
    await b.close();
    expect((await cli(dst, 'import', 'jsonl', file)).stdout).toContain('0 imported, 0 updated, 2 unchanged');
  });

  it('a session whose old versions GC collected re-imports from its base line', async () => {
    const src = join(dir, 'gc-src');
    const log = openSessionLog({ path: src, replayWindow: 0, checkpointEvery: 2 });
    for (let i = 0; i < 5; i++) await log.addMessage('k', 'user', `m${i}`);
    const seen = (await log.getSession('k'))?.version ?? 0;
    await log.setSummary('k', 'early', { through: 2 });
    await log.gc();
    await log.addMessage('k', 'user', 'after gc');
    await log.setSummary('k', 'later', { through: seen + 1 });
    const want = { history: await log.getHistory('k'), summary: await log.getSummary('k') };
    await log.close();
    const file = join(dir, 'gc.jsonl');
    await cli(src, 'export', 'k', '--output', file);
    const dst = join(dir, 'gc-dst');
    expect((await cli(dst, 'import', 'jsonl', file)).code).toBe(0);
    const back = openSessionLog({ path: dst, create: false });
    expect({ history: await back.getHistory('k'), summary: await back.getSummary('k') }).toEqual(want);
    await back.close();
  });

  it('a missing SOURCE, or one of the wrong kind, is a usage error and creates no store', async () => {
    const dir = tempDir();
    const store = join(dir, 'store');
    for (const args of [['picoclaw', join(dir, 'nope')], ['openclaw', join(dir, 'nope')], ['jsonl', join(dir, 'nope.jsonl')], ['jsonl', dir], ['picoclaw', CLI]]) {
      const r = await cli(store, 'import', ...args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/does not exist|not a (regular file|directory)/);
      expect(existsSync(store)).toBe(false);
    }
  });

  it('import jsonl counts bad lines as lines, not as files', async () => {
    const src = join(dir, 'bad-lines-src');
    const log = openSessionLog({ path: src });
    await log.addMessage('a', 'user', 'one');
    await log.close();
    const file = join(dir, 'bad-lines.jsonl');
    expect((await cli(src, 'export', '--output', file)).code).toBe(0);
    writeFileSync(file, `${readFileSync(file, 'utf8')}{not json}\n{"key":"a","note":"no type"}\n`);
    const r = await cli(join(dir, 'bad-lines-dst'), 'import', 'jsonl', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/left out .*bad-lines\.jsonl:\d+: not an exported turnlog event/);
    expect(r.stdout).toMatch(/1 imported, .*; problems: 2 lines; 0 ignored/);
    expect(r.stdout).not.toContain('files not read');
  });

  it('--recency import keeps imported sessions from gc --ttl; without it the report warns', async () => {
    const plain = join(dir, 'recency-plain');
    const warned = await cli(plain, 'import', 'picoclaw', PICOCLAW_HOME);
    expect(warned.stdout).toMatch(/note +5 imported sessions were last active more than a day ago .*gc --ttl 30d would delete 5 of them now\)\. To count from the import instead, import again with --recency import/);
    const kept = join(dir, 'recency-import');
    const r = await cli(kept, 'import', 'picoclaw', PICOCLAW_HOME, '--recency', 'import');
    expect(r.stdout).not.toContain('note ');
    expect((await cli(kept, 'gc', '--ttl', '30d', '--json')).code).toBe(0);
    expect(Object.keys(await state(kept))).toHaveLength(5);
    // the same flag on a store imported without it moves the sessions' recency
    const moved = await cli(plain, 'import', 'picoclaw', PICOCLAW_HOME, '--recency', 'import');
    expect(moved.stdout).toContain('0 imported, 5 updated');
    expect((await cli(plain, 'gc', '--ttl', '30d')).code).toBe(0);
    expect(Object.keys(await state(plain))).toHaveLength(5);
    expect((await cli(kept, 'import', 'picoclaw', PICOCLAW_HOME, '--recency', 'soon')).code).toBe(2);
    expect((await cli(kept, 'import', 'jsonl', join(dir, 'x.jsonl'), '--recency', 'import')).code).toBe(2);
  });

  it("docs/migrating.md shows the CLI's real output on the repository's fixtures", async () => {
    const doc = readFileSync(join(ROOT, 'docs/migrating.md'), 'utf8');
    // What changes from run to run: durations, days since the fixtures' dates, the JSON parser's wording.
    const normal = (text: string) =>
      text
        .replace(/^ +/gm, '')
        .replace(/\d+ ms/g, 'N ms')
        .replace(/the oldest \d+ days ago/g, 'the oldest N days ago')
        .replace(/not valid JSON \(.*\)/g, 'not valid JSON (…)')
        .trim();
    const commands = [...doc.matchAll(/^ *\$ npx turnlog (import (?:picoclaw|openclaw) test\/fixtures\/\S+)[^\n]*\n([\s\S]*?)(?=^ *\$|^ *```)/gm)];
    expect(commands.map((m) => m[1])).toEqual(['import picoclaw test/fixtures/picoclaw', 'import openclaw test/fixtures/openclaw']);
    for (const [i, m] of commands.entries()) {
      const r = await runNode([CLI, '--path', join(dir, `docs-${i}`), ...(m[1] as string).split(' ')], { cwd: ROOT });
      expect(normal(r.stdout)).toBe(normal(m[2] as string));
    }
  });
});
