import { spawn, execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { collect } from './support/collect.js';
import { tempDir } from './support/harness.js';
import { assertBuilt, ROOT, runNode } from './support/processes.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');
let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = tempDir('turnlog-export-int-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (store: string, ...args: string[]) => runNode([CLI, '--path', store, ...args]);

async function smallStore(name: string): Promise<string> {
  const path = join(dir, name);
  const log = openSessionLog({ path });
  await log.addMessage('k', 'user', 'hello');
  await log.close();
  return path;
}

describe('turnlog export: a faithful round trip', () => {
  it('re-imports a summary whose `through` fell below the GC base, and the metadata at the base', async () => {
    const src = join(dir, 'rt-src');
    let now = 0;
    const log = openSessionLog({ path: src, clock: () => now, replayWindow: 0, checkpointEvery: 2 });
    const at = (t: number): void => void (now = t);
    at(1000);
    await log.addMessage('k', 'user', 'm0'); // v1
    await log.addMessage('k', 'user', 'm1'); // v2 (checkpoint)
    await log.updateMetadata('k', { channel: 'telegram' }); // v3
    await log.addMessage('k', 'user', 'm2'); // v4 (checkpoint)
    at(5000);
    await log.addMessage('k', 'user', 'm3'); // v5
    await log.setSummary('k', 'the first two', { through: 2 }); // v6: m0 and m1 go
    await log.addMessage('k', 'user', 'm4'); // v7
    await log.gc({ now: 4000 }); // base v4: v6's `through` (2) is below it; the metadata is in the base
    expect((await collect(log.readEvents('k'))).map((e) => e.version)).toEqual([5, 6, 7]);
    await log.close();
    const file = join(dir, 'rt.jsonl');
    expect((await cli(src, 'export', '--output', file)).code).toBe(0);
    const dst = join(dir, 'rt-dst');
    expect((await cli(dst, 'import', 'jsonl', file)).code).toBe(0);
    const back = openSessionLog({ path: dst, create: false });
    expect((await back.getHistory('k')).map((m) => m.content)).toEqual(['m2', 'm3', 'm4']);
    expect(await back.getSummary('k')).toBe('the first two');
    expect((await back.getSession('k'))?.metadata).toEqual({ channel: 'telegram' });
    await back.close();
  });
});

describe('turnlog export --output', () => {
  it('refuses an existing directory (exit 2, a clear message) and leaves nothing behind', async () => {
    const store = await smallStore('s-dir');
    const out = join(dir, 'out-dir');
    mkdirSync(out);
    const r = await cli(store, 'export', '--output', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is a directory');
    expect(r.stderr).not.toContain('EBADF');
    expect(readdirSync(out)).toEqual([]);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a symbolic link (never writes through it or replaces it) and a FIFO', async () => {
    const store = await smallStore('s-link');
    const target = join(dir, 'link-target.jsonl');
    writeFileSync(target, 'keep');
    const link = join(dir, 'link.jsonl');
    symlinkSync(target, link);
    const r = await cli(store, 'export', '--output', link);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('symbolic link');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('keep');
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const f = await cli(store, 'export', '--output', fifo);
    expect(f.code).toBe(2);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('replaces an existing regular file', async () => {
    const store = await smallStore('s-file');
    const out = join(dir, 'replace.jsonl');
    writeFileSync(out, 'old');
    expect((await cli(store, 'export', '--output', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('"hello"');
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });
});

describe('turnlog export --format picoclaw-jsonl', () => {
  it('exports keys picoclaw cannot name under safe names (a note, exit 0) and imports every one back', async () => {
    const src = join(dir, 'pico-src');
    const keys = ['..', '.hidden', 'a:b', 'a_b', 'k'.repeat(250)];
    const log = openSessionLog({ path: src });
    for (const k of keys) await log.addMessage(k, 'user', `hi ${k.length}`);
    await log.close();
    const out = join(dir, 'pico-out');
    const r = await cli(src, 'export', '--format', 'picoclaw-jsonl', '--output', out);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^note /gm)).toHaveLength(4); // all but the first of a:b and a_b
    const dst = join(dir, 'pico-dst');
    expect((await cli(dst, 'import', 'picoclaw', out)).code).toBe(0);
    const back = openSessionLog({ path: dst, create: false });
    expect((await back.listSessions()).sessions.map((s) => s.key).sort()).toEqual([...keys].sort());
    await back.close();
  });
});

describe('turnlog export interrupted', () => {
  let big: string;
  beforeAll(async () => {
    big = join(dir, 'big');
    const log = openSessionLog({ path: big });
    const filler = 'x'.repeat(300);
    const writes: Array<Promise<unknown>> = [];
    for (let s = 0; s < 300; s++) {
      writes.push(log.addMessages(`s${s}`, Array.from({ length: 400 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `${i} ${filler}` }))));
    }
    await Promise.all(writes);
    await log.close();
  }, 120_000);

  /** Starts an export, sends `signal` as soon as its temporary file exists, and reports what is left. */
  async function interrupt(signal: NodeJS.Signals): Promise<{ signal: NodeJS.Signals | null; code: number | null; mode: number | undefined; left: string[] }> {
    const out = join(dir, `out-${signal}`);
    mkdirSync(out);
    const child = spawn(process.execPath, [CLI, '--path', big, 'export', '--output', join(out, 'dump.jsonl')], { stdio: 'ignore' });
    let mode: number | undefined;
    const watcher = watch(out, (_event, name) => {
      if (mode !== undefined || name === null || !name.endsWith('.tmp')) return;
      try {
        mode = statSync(join(out, name)).mode & 0o777;
      } catch {
        return;
      }
      child.kill(signal);
    });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, sig) => resolve({ code, signal: sig })));
    watcher.close();
    return { ...exit, mode, left: readdirSync(out) };
  }

  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s mid-export removes the temporary file and ends by that signal', async (signal) => {
    const r = await interrupt(signal);
    expect(r.mode).toBe(0o600); // owner-only from the first byte
    expect(r.left).toEqual([]); // neither a temporary file nor a half dump
    expect(r.signal).toBe(signal);
  }, 60_000);
});
