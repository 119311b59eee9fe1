import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { openPostgresSessionLog } from '../src/postgres/open-postgres.js';
import { freshSchema, PG, PG_REQUIRED, PG_SKIP_TITLE, PG_UNREACHABLE, PG_URL, pgAdmin } from './support/pg-harness.js';
import { toolTurn } from './support/messages.js';
import { tempDir } from './support/harness.js';
import { http } from './support/http.js';
import { assertBuilt, ROOT } from './support/processes.js';

/** `turnlog inspect` as a process: what it prints, how it stops, what it refuses. */
const CLI = join(ROOT, 'dist/src/cli/main.js');
let path: string;

beforeAll(async () => {
  assertBuilt();
  path = join(tempDir(), 'store');
  const log = openSessionLog({ path });
  await log.addMessage('chat:1', 'user', 'hello');
  await log.close();
});

interface Running {
  first: string;
  stderr: () => string;
  stop: () => Promise<{ code: number | null; stdout: string }>;
}

/** Starts the command and resolves once it printed its first line (or exited). */
function start(args: string[], env: NodeJS.ProcessEnv = process.env, store = ['--path', path]): Promise<Running | { code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'inspect', ...store, ...args], { env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (started || !stdout.includes('\n')) return;
      started = true;
      resolve({
        first: stdout.split('\n')[0] as string,
        stderr: () => stderr,
        stop: async () => {
          child.kill('SIGTERM');
          return { code: await exited, stdout };
        },
      });
    });
    void exited.then((code) => started || resolve({ code, stdout, stderr }));
  });
}

it('--json prints the address once and keeps serving until SIGTERM (exit 0)', async () => {
  const r = (await start(['--json'])) as Running;
  const { url, port, allowWrites } = JSON.parse(r.first) as { url: string; port: number; allowWrites: boolean };
  expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/t/[A-Za-z0-9_-]{43}/$`));
  expect(allowWrites).toBe(false);
  const page = await http(port, `${new URL(url).pathname}api/sessions`);
  expect(JSON.parse(page.body)).toMatchObject({ sessions: [{ key: 'chat:1' }] });
  expect(await r.stop()).toEqual({ code: 0, stdout: `${r.first}\n` });
});

it('without --json names the store and prints the URL; --open that fails is a warning, not an error', async () => {
  const r = (await start(['--open', '--allow-writes'], { ...process.env, PATH: join(tempDir(), 'no-bin') })) as Running;
  expect(r.first).toBe(`turnlog inspect: ${path} (writes allowed: the page can fork sessions)`);
  const done = await r.stop();
  expect(done.code).toBe(0);
  expect(done.stdout).toMatch(/\n {2}http:\/\/127\.0\.0\.1:\d+\/t\/[A-Za-z0-9_-]{43}\/\n/);
  expect(r.stderr()).toMatch(/^turnlog: could not open a browser \(.*\); open the address above\n$/);
});

/** Resolves once `file` exists (moved into place by another process): woken by the directory's change events, no polling. */
function appeared(file: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dirname(file), () => {
      if (!existsSync(file)) return;
      watcher.close();
      resolve();
    });
    if (existsSync(file)) {
      watcher.close();
      resolve();
    }
  });
}

it('--open never puts the secret URL on a command line: the opener gets a private file (0600 in a 0700 directory) that redirects to it, removed on stop', async () => {
  const bin = join(tempDir(), 'bin');
  mkdirSync(bin);
  const record = join(bin, 'opened.txt');
  // a stand-in opener that records its argv (what `ps` shows every local user) and the file it was given
  writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nf="\${1#file://}"\n{ printf 'ARGV %s\\n' "$*"; stat -c 'MODE %a' "$f"; stat -c 'DIRMODE %a' "$(dirname "$f")"; cat "$f"; } > "${record}.tmp"\nmv "${record}.tmp" "${record}"\n`);
  chmodSync(join(bin, 'xdg-open'), 0o755);
  const r = (await start(['--open', '--json'], { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` })) as Running;
  const { url } = JSON.parse(r.first) as { url: string };
  const token = new URL(url).pathname.split('/')[2] as string;
  await appeared(record);
  const seen = readFileSync(record, 'utf8');
  const argv = /^ARGV (.*)$/m.exec(seen)?.[1] ?? '';
  expect(argv).toMatch(/^file:\/\/.*turnlog-inspect-.*\/open\.html$/);
  expect(argv).not.toContain(token);
  expect(seen).toContain('MODE 600');
  expect(seen).toContain('DIRMODE 700');
  expect(seen).toContain(`<meta http-equiv="refresh" content="0;url=${url}">`);
  const file = new URL(argv).pathname;
  expect(existsSync(file)).toBe(true);
  expect((await r.stop()).code).toBe(0);
  expect(existsSync(file)).toBe(false);
  expect(r.stderr()).toBe('');
});

it('a port in use is one error line and exit 1; a bad port is a usage error', async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
  try {
    const port = (busy.address() as { port: number }).port;
    const r = (await start(['--port', String(port)])) as { code: number; stdout: string; stderr: string };
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^turnlog: .*EADDRINUSE.*\n$/);
  } finally {
    busy.close();
  }
  const bad = (await start(['--port', '70000'])) as { code: number; stderr: string };
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('--port must be a whole number from 0 to 65535');
});

if (!PG.available && PG_REQUIRED) throw new Error(PG_UNREACHABLE);

describe.skipIf(!PG.available)(PG.available ? 'on PostgreSQL' : PG_SKIP_TITLE, () => {
  it('serves a PostgreSQL store the same way: the view at a version is getHistory at it', async () => {
    const schema = freshSchema();
    const log = await openPostgresSessionLog({ connectionString: PG_URL, schema, poolSize: 2 });
    try {
      for (let i = 0; i < 3; i++) await log.addMessages('pg:1', toolTurn(`q${i}`, `c${i}`));
      await log.setSummary('pg:1', 'two turns', { through: 2 });
      const r = (await start(['--json'], process.env, ['--url', PG_URL, '--schema', schema])) as Running;
      try {
        const { url, port } = JSON.parse(r.first) as { url: string; port: number };
        const base = new URL(url).pathname;
        expect(JSON.parse((await http(port, `${base}api/sessions?prefix=pg:`)).body)).toMatchObject({ sessions: [{ key: 'pg:1', version: 4, messageCount: 4 }] });
        for (const version of [2, 4]) {
          const view = JSON.parse((await http(port, `${base}api/view?key=pg%3A1&version=${version}`)).body) as { messages: Array<{ message: unknown }>; summary: string };
          expect(view.messages.map((m) => m.message)).toEqual(await log.getHistory('pg:1', { atVersion: version }));
          expect(view.summary).toBe(await log.getSummary('pg:1', { atVersion: version }));
        }
      } finally {
        expect((await r.stop()).code).toBe(0);
      }
    } finally {
      await log.close();
      await pgAdmin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
  });
});
