import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { openSessionLog } from '../src/open.js';
import { openPostgresSessionLog } from '../src/postgres/open-postgres.js';
import { tempDir } from './support/harness.js';
import { toolTurn } from './support/messages.js';
import { pgUnavailable, PG_URL } from './support/pg-probe.js';
import { assertBuilt, ROOT, runNode } from './support/processes.js';
import type { SessionLog } from '../src/engine/session-log.js';

/** `turnlog fork` and `turnlog diff`, run as a user runs them (the built bin, in child processes), on LMDB and PostgreSQL. */
const CLI = join(ROOT, 'dist/src/cli/main.js');
const skipPg = await pgUnavailable();

/** The same session on either store: v1 metadata, v2–v4 tool turns, v5 a summary cut, v6 a question, v7 metadata, v8 a replacement of the question. */
async function build(log: SessionLog): Promise<void> {
  await log.updateMetadata('tg:1', { channel: 'telegram', model: 'a' });
  for (let i = 0; i < 3; i++) await log.addMessages('tg:1', toolTurn(`question ${i}`, `call${i}`));
  await log.setSummary('tg:1', 'Asked three questions.', { through: 3 });
  await log.addMessage('tg:1', 'user', 'and now?');
  await log.updateMetadata('tg:1', { model: 'b', channel: null, tries: 2 });
  await log.replaceLast('tg:1', 1, [{ role: 'user', content: 'and now, <b>exactly</b>?' }]);
  await log.addMessage('other', 'user', 'taken');
}

const stores: Array<[string, () => Promise<{ args: string[]; open: () => Promise<SessionLog>; done: () => Promise<void> }>]> = [
  [
    'lmdb',
    async () => {
      const dir = tempDir();
      const path = join(dir, 'store');
      return { args: ['--path', path], open: async () => openSessionLog({ path }), done: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
];
if (skipPg === undefined) {
  stores.push([
    'postgres',
    async () => {
      const schema = `t_cli_fork_${process.pid}_${Date.now().toString(36)}`;
      const opened: SessionLog[] = [];
      const open = async (): Promise<SessionLog> => {
        const log = await openPostgresSessionLog({ connectionString: PG_URL, schema });
        opened.push(log);
        return log;
      };
      return {
        args: ['--url', PG_URL, '--schema', schema],
        open,
        done: async () => {
          for (const l of opened) await l.close();
          const pool = new pg.Pool({ connectionString: PG_URL, max: 1 });
          await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await pool.end();
        },
      };
    },
  ]);
} else {
  console.warn(`turnlog fork/diff CLI on PostgreSQL skipped: ${skipPg}`);
}

describe.each(stores)('turnlog fork and diff: %s', (_name, make) => {
  let store: Awaited<ReturnType<typeof make>>;
  const cli = (...args: string[]) => runNode([CLI, ...args, ...store.args], { env: { ...process.env, NO_COLOR: undefined, TURNLOG_PATH: undefined, TURNLOG_URL: undefined } as NodeJS.ProcessEnv });
  beforeAll(async () => {
    assertBuilt();
    store = await make();
    const log = await store.open();
    await build(log);
    await log.close();
  });
  afterAll(() => store.done());

  it('fork copies a version into a new session; log and replay show where it came from', async () => {
    const r = await cli('fork', 'tg:1', 'tg:1/retry', '--at', '6');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('forked from tg:1 at v6 → tg:1/retry v1 · 5 messages\n');
    const log = await store.open();
    try {
      expect(await log.getHistory('tg:1/retry')).toEqual(await log.getHistory('tg:1', { atVersion: 6 }));
      expect((await log.getSession('tg:1/retry'))?.metadata).toEqual({ channel: 'telegram', model: 'a' });
    } finally {
      await log.close();
    }
    const lines = (await cli('log', 'tg:1/retry')).stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^v1\s+\S+ \S+\s+session\.forked\s+forked from "tg:1" at v6: 5 messages \(from #8\), a summary, metadata \{"channel":"telegram","model":"a"\}$/);
    const replay = (await cli('replay', 'tg:1/retry')).stdout;
    expect(replay).toContain('  forked from "tg:1" at v6');
    expect(replay).toContain('  ~ summary: Asked three questions.');
    expect(replay).toContain('  = 5 messages visible');
    const json = JSON.parse((await cli('log', 'tg:1/retry', '--json')).stdout) as Array<Record<string, unknown>>;
    expect(json[0]).toMatchObject({ type: 'session.forked', forkedFrom: { key: 'tg:1', version: 6 }, from: 8, summary: 'Asked three questions.' });
  });

  it('fork --json, --event-id retries, and its exit codes', async () => {
    const first = await cli('fork', 'tg:1', 'tg:1/b', '--event-id', 'retry-1', '--json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ key: 'tg:1/b', version: 1, forkedFrom: { key: 'tg:1', version: 8 } });
    const again = await cli('fork', 'tg:1', 'tg:1/b', '--event-id', 'retry-1');
    expect(again).toMatchObject({ code: 0, stdout: 'already forked from tg:1 at v8 → tg:1/b v1 · 5 messages\n' });
    const taken = await cli('fork', 'tg:1', 'other');
    expect(taken.code).toBe(5);
    expect(taken.stdout).toBe('');
    expect(taken.stderr).toBe('turnlog: session "other" already exists (at version 1): a fork makes a new session; nothing was written [CONFLICT]\n');
    const missing = await cli('fork', 'nope', 'x');
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^turnlog: no session "nope" in .*\n$/);
    const beyond = await cli('fork', 'tg:1', 'x', '--at', '99');
    expect(beyond.code).toBe(2);
    expect(beyond.stderr).toMatch(/^turnlog: "tg:1" has no version 99 \(it is at 8\) \(see (npx )?turnlog fork --help\)\n$/);
    expect((await cli('fork', 'tg:1', 'tg:1')).code).toBe(2);
    expect(await cli('fork', 'tg:1')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^turnlog: fork needs NEWKEY \(usage: /) as unknown });
    expect((await cli('fork', 'tg:1', 'x', '--at', '-1')).code).toBe(2);
    expect((await cli('sessions', '--prefix', 'x', '--json')).stdout).toContain('"sessions": []');
  });

  it('diff: one step by default, any two versions, summary and metadata; --json is the API result', async () => {
    const step = await cli('diff', 'tg:1');
    expect(step.code).toBe(0);
    expect(step.stdout).toBe(
      [
        'tg:1 v7 → v8 · 5 messages → 5 messages',
        '- #12     user      and now?',
        '+ #12     user      and now, <b>exactly</b>?',
        '',
      ].join('\n'),
    );
    const meta = await cli('diff', 'tg:1', '--to', '7');
    expect(meta.stdout.split('\n').slice(1, -1)).toEqual(['~ metadata - channel: "telegram"', '~ metadata + tries: 2', '~ metadata ~ model: "a" → "b"']);
    const cut = (await cli('diff', 'tg:1', '--from', '4', '--to', '5')).stdout;
    expect(cut).toContain('tg:1 v4 → v5 · 12 messages → 4 messages');
    expect(cut).toContain('- #0      user      question 0');
    expect(cut).toContain('~ summary  - (none)\n           + Asked three questions.');
    expect((await cli('diff', 'tg:1', '--from', '8', '--to', '8')).stdout).toBe('tg:1 v8 → v8 · 5 messages → 5 messages\n  (no change)\n');
    const json = JSON.parse((await cli('diff', 'tg:1', '--from', '0', '--json')).stdout) as Record<string, unknown>;
    const log = await store.open();
    try {
      expect(json).toEqual(JSON.parse(JSON.stringify(await log.diff('tg:1', { fromVersion: 0 }))));
    } finally {
      await log.close();
    }
    expect((await cli('diff', 'nope')).code).toBe(4);
    const bad = await cli('diff', 'tg:1', '--to', '99');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('has no version 99');
  });
});

describe('fork and diff on a terminal', () => {
  it('colour only on a TTY and never with NO_COLOR; stored text never reaches the terminal raw', async () => {
    const dir = tempDir();
    const path = join(dir, 'store');
    const log = openSessionLog({ path });
    await log.addMessage('k', 'user', 'hi \u001b[31mred\u001b[0m');
    await log.addMessage('k', 'assistant', 'ok');
    await log.close();
    const run = async (tty: boolean, env: NodeJS.ProcessEnv, ...args: string[]) => {
      const out = { text: '', isTTY: tty, write: (s: string) => ((out.text += s), true) };
      const err = { text: '', isTTY: tty, write: (s: string) => ((err.text += s), true) };
      const code = await main([...args, '--path', path], { stdout: out, stderr: err, env });
      return { code, out: out.text };
    };
    for (const args of [['diff', 'k', '--from', '0'], ['fork', 'k', `k${Math.random()}`]]) {
      expect((await run(true, {}, ...args)).out, args.join(' ')).toContain('\u001b[');
      expect((await run(true, { NO_COLOR: '1' }, ...args.map((a) => (a.startsWith('k0') ? `${a}n` : a)))).out).not.toContain('\u001b[');
      expect((await run(false, {}, ...args.map((a) => (a.startsWith('k0') ? `${a}p` : a)))).out).not.toContain('\u001b[');
    }
    const plain = (await run(false, {}, 'diff', 'k', '--from', '0')).out;
    expect(plain).toContain('hi \\x1b[31mred\\x1b[0m');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('fork --event-id retried after GC', () => {
  it('is the duplicate (exit 0, "already forked"), though GC collected the version the fork made', async () => {
    const dir = tempDir();
    const path = join(dir, 'store');
    let now = Date.now() - 3_600_000;
    const log = openSessionLog({ path, replayWindow: 0, clock: () => now });
    await log.addMessage('a', 'user', 'hi');
    await log.forkSession('a', 'b', { eventId: 'e' });
    await log.addMessage('b', 'user', 'more');
    now += 1000;
    await log.gc();
    await expect(log.getSession('b', { atVersion: 1 })).rejects.toMatchObject({ code: 'PRUNED' });
    await log.close();
    const out = { text: '', isTTY: false, write: (s: string) => ((out.text += s), true) };
    const err = { text: '', isTTY: false, write: (s: string) => ((err.text += s), true) };
    const code = await main(['fork', 'a', 'b', '--event-id', 'e', '--path', path], { stdout: out, stderr: err, env: {} });
    expect({ code, out: out.text, err: err.text }).toEqual({ code: 0, out: 'already forked → b v1\n', err: '' });
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('diff with the default --from on a session whose previous version GC collected', () => {
  it('says which version is the oldest readable and which --from compares from it', async () => {
    const dir = tempDir();
    const path = join(dir, 'store');
    let now = Date.now() - 3_600_000;
    const log = openSessionLog({ path, replayWindow: 0, clock: () => now });
    for (let i = 0; i < 3; i++) await log.addMessage('a', 'user', `m${i}`);
    now += 1000;
    await log.gc();
    await log.close();
    const run = async (...argv: string[]) => {
      const out = { text: '', isTTY: false, write: (s: string) => ((out.text += s), true) };
      const err = { text: '', isTTY: false, write: (s: string) => ((err.text += s), true) };
      const code = await main([...argv, '--path', path], { stdout: out, stderr: err, env: {} });
      return { code, out: out.text, err: err.text };
    };
    const r = await run('diff', 'a');
    expect(r.out).toBe('');
    expect(r.err).toBe('turnlog: version 2 of "a" was garbage-collected; the oldest readable is 3; compare from it with --from 3 (or --from 0: everything as added) [PRUNED]\n');
    expect((await run('diff', 'a', '--from', '0')).code).toBe(0);
    // an explicit --from keeps the library's message
    expect((await run('diff', 'a', '--from', '1')).err).toBe('turnlog: version 1 of "a" was garbage-collected; the oldest readable is 3 [PRUNED]\n');
    rmSync(dir, { recursive: true, force: true });
  });
});
