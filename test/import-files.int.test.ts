import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/harness.js';
import { writeFiles } from './support/fixtures.js';
import { assertBuilt, ROOT } from './support/processes.js';

/**
 * Special files in an import source: a FIFO used to block the importer forever, and a link to
 * /dev/zero grew it to gigabytes of memory. Each import runs in a child process that is killed
 * after a deadline and given a small heap, so a hang or a runaway read fails the test instead of
 * stalling or exhausting the suite.
 */

const CLI = join(ROOT, 'dist/src/cli/main.js');
const DEADLINE_MS = 20_000;
const canMkfifo = process.platform !== 'win32' && spawnSync('mkfifo', ['--version']).error === undefined;
let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Finished {
  code: number | null;
  killed: boolean;
  stdout: string;
}

/** The CLI in a child with a 128 MB heap, killed after DEADLINE_MS. */
function importWithDeadline(...args: string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=128', CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, DEADLINE_MS);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, killed, stdout });
    });
  });
}

function mkfifo(path: string): void {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path} failed: ${r.stderr.toString()}`);
}

describe.skipIf(!canMkfifo)('imports never hang on a FIFO', () => {
  it('a picoclaw .meta.json, .jsonl and legacy .json that are FIFOs are reported; the rest imports', async () => {
    const src = writeFiles(join(dir, 'pico'), { 'ok.json': JSON.stringify({ key: 'ok', messages: [{ role: 'user', content: 'hi' }] }), 'a.jsonl': '{"role":"user","content":"x"}\n' });
    mkfifo(join(src, 'a.meta.json'));
    mkfifo(join(src, 'b.jsonl'));
    mkfifo(join(src, 'c.json'));
    const r = await importWithDeadline('--path', join(dir, 'store-pico'), 'import', 'picoclaw', src);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/not read .*a\.meta\.json: is a FIFO, not a regular file/);
    expect(r.stdout).toMatch(/not read .*b\.jsonl: is a FIFO/);
    expect(r.stdout).toMatch(/not read .*c\.json: is a FIFO/);
    expect(r.stdout).toContain('1 imported');
  });

  it('an openclaw sessions.json or transcript that is a FIFO is reported', async () => {
    const a = join(dir, 'oc-index');
    mkdirSync(a);
    mkfifo(join(a, 'sessions.json'));
    const r1 = await importWithDeadline('--path', join(dir, 'store-oc1'), 'import', 'openclaw', a);
    expect(r1.killed).toBe(false);
    expect(r1.code).toBe(1);
    expect(r1.stdout).toMatch(/sessions\.json: is a FIFO, not a regular file; not read; nothing in this folder was imported/);
    const b = writeFiles(join(dir, 'oc-transcript'), { 'sessions.json': JSON.stringify({ k: { sessionId: 't', updatedAt: 1 } }) });
    mkfifo(join(b, 't.jsonl'));
    const r2 = await importWithDeadline('--path', join(dir, 'store-oc2'), 'import', 'openclaw', b);
    expect(r2.killed).toBe(false);
    expect(r2.stdout).toMatch(/t\.jsonl: is a FIFO, not a regular file; not read; session "k" was not imported/);
  });

  it('a jsonl dump that is a FIFO is refused with a usage error', async () => {
    const fifo = join(dir, 'dump.jsonl');
    mkfifo(fifo);
    const r = await importWithDeadline('--path', join(dir, 'store-jsonl'), 'import', 'jsonl', fifo);
    expect(r.killed).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('is a FIFO, not a regular file');
  });
});

describe.skipIf(!existsSync('/dev/zero'))('imports never read a device', () => {
  it('a .meta.json, sessions.json or dump linked to /dev/zero is reported, also when links may leave the folder', async () => {
    const src = writeFiles(join(dir, 'zero'), { 'z.jsonl': '{"role":"user","content":"x"}\n' });
    symlinkSync('/dev/zero', join(src, 'z.meta.json'));
    const r1 = await importWithDeadline('--path', join(dir, 'store-z1'), 'import', 'picoclaw', src);
    expect(r1.killed).toBe(false);
    expect(r1.stdout).toMatch(/z\.meta\.json: leads outside the source folder \(to \/dev\/zero\)/);
    const r2 = await importWithDeadline('--path', join(dir, 'store-z2'), 'import', 'picoclaw', src, '--follow-outside');
    expect(r2.killed).toBe(false);
    expect(r2.stdout).toMatch(/z\.meta\.json: is a character device, not a regular file/);

    const oc = join(dir, 'zero-oc');
    mkdirSync(oc);
    symlinkSync('/dev/zero', join(oc, 'sessions.json'));
    const r3 = await importWithDeadline('--path', join(dir, 'store-z3'), 'import', 'openclaw', oc, '--follow-outside');
    expect(r3.killed).toBe(false);
    expect(r3.stdout).toMatch(/sessions\.json: is a character device/);

    const r4 = await importWithDeadline('--path', join(dir, 'store-z4'), 'import', 'jsonl', '/dev/zero');
    expect(r4.killed).toBe(false);
    expect(r4.code).toBe(2);
    expect(r4.stdout).toContain('is a character device, not a regular file');
  });
});
