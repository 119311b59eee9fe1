import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../src/core/codec.js';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';
import { toolTurn } from './support/messages.js';
import { assertBuilt, ROOT, runNode } from './support/processes.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');
let dir: string;
let path: string;
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

async function cli(...args: string[]) {
  return runNode([CLI, '--path', path, ...args], { env: { ...process.env, NO_COLOR: undefined } as NodeJS.ProcessEnv });
}

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  path = join(dir, 'store');
  let now = T0;
  const log = openSessionLog({ path, clock: () => (now += 1000), checkpointEvery: 4 });
  await log.updateMetadata('tg:1', { channel: 'telegram' });
  for (let i = 0; i < 3; i++) await log.addMessages('tg:1', toolTurn(`question ${i}`, `call${i}`));
  await log.setSummary('tg:1', 'Asked three questions.', { through: 3 });
  await log.addMessage('tg:1', 'user', `long ${'x'.repeat(500)}`);
  await log.addMessage('cli:7', 'user', 'hello');
  await log.truncateHistory('cli:7', 0);
  await log.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('turnlog CLI', () => {
  it('prints help for the command and each subcommand', async () => {
    const main = await runNode([CLI, '--help']);
    expect(main.code).toBe(0);
    for (const c of ['sessions', 'history', 'log', 'replay', 'tail', 'export', 'stats', 'gc', 'backup', 'verify']) {
      expect(main.stdout).toContain(`  ${c}`);
      const sub = await runNode([CLI, c, '--help']);
      expect(sub.code, c).toBe(0);
      expect(sub.stdout).toContain(`Usage: turnlog ${c}`);
    }
    expect((await runNode([CLI, '--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('sessions: newest first, plain text when piped; --json is the API page', async () => {
    const r = await cli('sessions');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\u001b[');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^KEY\s+MSGS\s+VER\s+UPDATED\s+SUMMARY$/);
    expect(lines[1]).toMatch(/^cli:7\s+0\s+2\s+\S+ ago/);
    expect(lines[2]).toMatch(/^tg:1\s+5\s+6\s+.*Asked three questions\./);
    const j = JSON.parse((await cli('sessions', '--json', '--prefix', 'tg:')).stdout) as { sessions: Array<{ key: string; messageCount: number }> };
    expect(j.sessions.map((s) => [s.key, s.messageCount])).toEqual([['tg:1', 5]]);
  });

  it('history: summary on top, tool calls as calls, results as results, long contents folded', async () => {
    const r = await cli('history', 'tg:1');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('tg:1 at v6 · 5 messages');
    expect(lines[1]).toBe('summary   Asked three questions.');
    expect(r.stdout).toContain('assistant → search({"q":"x"}) call2');
    expect(r.stdout).toContain('tool      ← call2 result');
    expect(r.stdout).not.toContain('question 1');
    expect(r.stdout).toMatch(/long x+… \(\+\d+ chars\)/);
    const at = JSON.parse((await cli('history', 'tg:1', '--at', '3', '--json')).stdout) as { version: number; messages: unknown[]; summary: string };
    expect(at).toMatchObject({ version: 3, summary: '' });
    expect(at.messages).toHaveLength(8);
  });

  it('log: one line per event; --json the events; --from/--to', async () => {
    const r = await cli('log', 'tg:1', '--from', '5', '--to', '6');
    expect(r.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^v5\s+2026-11-01 12:00:06Z\s+summary\.set\s+"Asked three questions\." through v3$/),
      expect.stringMatching(/^v6\s+2026-11-01 12:00:07Z\s+messages\.added\s+user long x+/),
    ]);
    const events = JSON.parse((await cli('log', 'tg:1', '--json')).stdout) as Array<{ version: number; type: string }>;
    expect(events.map((e) => e.type)).toEqual(['metadata.updated', 'messages.added', 'messages.added', 'messages.added', 'summary.set', 'messages.added']);
  });

  it('replay: what each event changed, as a diff', async () => {
    const r = await cli('replay', 'tg:1', '--from', '5', '--to', '5');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^v5 .* summary\.set$/);
    expect(lines.filter((l) => l.startsWith('  - '))).toHaveLength(8);
    expect(r.stdout).toContain('  ~ summary: Asked three questions.');
    expect(lines[lines.length - 1]).toBe('  = 4 messages visible');
    const steps = JSON.parse((await cli('replay', 'cli:7', '--json')).stdout) as Array<{ removed: unknown[]; messageCount: number }>;
    expect(steps.map((s) => [s.removed.length, s.messageCount])).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });

  it('tail: the last events; --follow prints events another process writes', async () => {
    const last = await cli('tail', 'tg:1', '--lines', '2');
    expect(last.stdout.trim().split('\n')).toHaveLength(2);
    const short = await cli('tail', 'tg:1', '-n', '3'); // the form the help advertises
    expect([short.code, short.stderr]).toEqual([0, '']);
    expect(short.stdout.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['v4', 'v5', 'v6']);
    const child = spawn(process.execPath, [CLI, '--path', path, 'tail', 'cli:7', '--follow', '--json', '--lines', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    let started!: () => void;
    const following = new Promise<void>((r) => (started = r));
    const got = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('\n')) started(); // it printed the last event: it is following now
        if (seen.includes('from another process')) resolve(seen);
      });
      child.on('close', (code) => reject(new Error(`tail exited early (${code}): ${seen}`)));
    });
    // Write from another process only once the follower has started reading.
    const writer = `import { openSessionLog } from ${JSON.stringify(join(ROOT, 'dist/src/index.js'))};
      const log = openSessionLog({ path: ${JSON.stringify(path)} });
      await log.addMessage('cli:7', 'user', 'from another process');
      await log.close();`;
    let out: string;
    try {
      await following;
      const w = await runNode(['--input-type=module', '-e', writer]);
      expect(w.stderr).toBe('');
      out = await got;
    } catch (error) {
      child.kill('SIGKILL'); // never leave a follower running behind a failed test
      throw error;
    }
    const event = JSON.parse(out.trim().split('\n').pop() as string) as { version: number; type: string };
    expect(event).toMatchObject({ version: 3, type: 'messages.added' });
    const closed = new Promise<number | null>((r) => child.on('close', r));
    child.kill('SIGINT');
    expect(await closed).toBe(0);
  });

  it('tail --follow says which events GC collected while it was not looking, and resumes after them', async () => {
    const store = join(dir, 'follow-gc');
    const seed = openSessionLog({ path: store });
    await seed.addMessage('f', 'user', 'one');
    await seed.addMessage('f', 'user', 'two');
    await seed.close();
    const child = spawn(process.execPath, [CLI, '--path', store, 'tail', 'f', '-f', '-n', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let look = (): void => undefined;
    child.stdout.on('data', (d: Buffer) => ((out += d.toString()), look()));
    child.stderr.on('data', (d: Buffer) => ((err += d.toString()), look()));
    const waitFor = (test: () => boolean): Promise<void> =>
      new Promise((resolve, reject) => {
        look = () => void (test() && resolve());
        child.once('close', (code) => reject(new Error(`tail exited early (${code}): ${out} ${err}`)));
        look();
      });
    // 40 events written and collected while the follower is stopped: it cannot have seen them
    const writer = `import { openSessionLog } from ${JSON.stringify(join(ROOT, 'dist/src/index.js'))};
      const log = openSessionLog({ path: ${JSON.stringify(store)}, replayWindow: 0 });
      for (let i = 0; i < 40; i++) await log.addMessage('f', 'user', 'm' + i);
      await log.gc();
      await log.addMessage('f', 'user', 'after gc');
      await log.close();`;
    try {
      await waitFor(() => out.includes('v2 '));
      child.kill('SIGSTOP');
      const w = await runNode(['--input-type=module', '-e', writer]);
      expect(w.stderr).toBe('');
      child.kill('SIGCONT');
      await waitFor(() => out.includes('v43 '));
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    const closed = new Promise<number | null>((r) => child.on('close', r));
    child.kill('SIGINT');
    expect(await closed).toBe(0);
    expect(err).toBe('turnlog: events v3..v42 of "f" were collected by GC; continuing at v43\n');
    expect(out.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['v2', 'v43']);
  });

  it('export: jsonl of events, json of histories, to stdout or a file', async () => {
    const jsonl = await cli('export', 'tg:1');
    const lines = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; version: number });
    expect(lines.map((l) => [l.key, l.version])).toEqual([1, 2, 3, 4, 5, 6].map((v) => ['tg:1', v]));
    const file = join(dir, 'all.json');
    const r = await cli('export', '--format', 'json', '--output', file);
    expect(r.stdout.trim()).toBe(`exported 2 sessions to ${file}`);
    const docs = JSON.parse(readFileSync(file, 'utf8')) as Array<{ key: string; messages: unknown[]; summary: string }>;
    expect(docs.map((d) => [d.key, d.messages.length, d.summary])).toEqual([
      ['cli:7', 1, ''],
      ['tg:1', 5, 'Asked three questions.'],
    ]);
    expect((await cli('export', '--format', 'xml')).code).toBe(2);
  });

  it('stats, gc --dry-run, backup: human and --json', async () => {
    const s = await cli('stats');
    expect(s.stdout).toMatch(/sessions\s+2/);
    expect(JSON.parse((await cli('stats', '--json')).stdout)).toMatchObject({ sessions: 2, format: { store: 2 } });
    const g = await cli('gc', '--dry-run', '--replay-window', '0');
    expect(g.stdout).toContain('dry run: nothing was removed');
    const gj = JSON.parse((await cli('gc', '--dry-run', '--replay-window', '0', '--json')).stdout) as { dryRun: boolean; sessionsCompacted: number };
    expect(gj).toMatchObject({ dryRun: true, sessionsCompacted: 2 });
    const dest = join(dir, 'copy');
    const b = JSON.parse((await cli('backup', dest, '--compact', '--json')).stdout) as { dest: string; compact: boolean };
    expect(b).toMatchObject({ dest, compact: true });
    expect(existsSync(join(dest, 'data.mdb'))).toBe(true);
    expect((await cli('backup', dest)).code).toBe(2); // not empty: refused
  });

  it('errors: one line, documented exit codes, no stack unless --debug', async () => {
    const usage = await cli('frobnicate');
    expect([usage.code, usage.stderr.trim().split('\n').length]).toEqual([2, 1]);
    expect((await cli('history')).code).toBe(2);
    expect((await cli('sessions', '--limit', 'lots')).code).toBe(2);
    expect((await cli('sessions', '--wat')).code).toBe(2);
    for (const command of ['history', 'log', 'replay', 'tail', 'export']) {
      const none = await cli(command, 'no:such');
      expect([none.code, none.stdout, none.stderr], command).toEqual([4, '', `turnlog: no session "no:such" in ${path}\n`]);
    }
    const missing = await runNode([CLI, '--path', join(dir, 'nowhere'), 'sessions']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`turnlog: no turnlog store at ${join(dir, 'nowhere')} [NOT_FOUND]`);
    expect(existsSync(join(dir, 'nowhere'))).toBe(false); // reading never creates a store
    const debug = await runNode([CLI, '--path', join(dir, 'nowhere'), 'sessions', '--debug']);
    expect(debug.stderr).toContain('at ');
  });

  it('verify: 0 when all agrees, 3 with each mismatch listed when a checkpoint is damaged', async () => {
    const ok = await cli('verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim()).toMatch(/^ok: 2 sessions, \d+ events, 1 checkpoints agree$/);
    const raw = open({ path, encoding: 'binary' });
    const cps = raw.openDB({ name: 'checkpoints', encoding: 'binary' });
    const entry = [...cps.getRange({})][0] as { key: number[]; value: Uint8Array };
    const cp = decodeCheckpoint(entry.value);
    await cps.put(entry.key, encodeCheckpoint({ ...cp, projection: { ...cp.projection, summary: 'tampered' } }));
    await raw.close();
    const bad = await cli('verify');
    expect(bad.code).toBe(3);
    expect(bad.stdout).toContain('mismatch tg:1: checkpoint 4 differs from the fold of the events');
    const j = JSON.parse((await cli('verify', '--json')).stdout) as { ok: boolean; mismatches: unknown[] };
    expect(j.ok).toBe(false);
  });
});
