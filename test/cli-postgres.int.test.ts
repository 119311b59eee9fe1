import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { openPostgresSessionLog } from '../src/postgres/open-postgres.js';
import { tempDir } from './support/harness.js';
import { toolTurn } from './support/messages.js';
import { pgUnavailable, PG_URL } from './support/pg-probe.js';
import { assertBuilt, ROOT, runNode } from './support/processes.js';

/**
 * The `turnlog` command on PostgreSQL, run as a user runs it (the built bin, in child processes):
 * a store moved from LMDB to PostgreSQL and back through `export | import jsonl -` comes out the
 * same, every read command works on it, `backup` is refused with the way to back it up, and no
 * output ever shows the URL's password.
 */
const skip = await pgUnavailable();
const CLI = join(ROOT, 'dist/src/cli/main.js');
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

/** PG_URL with a password in it: trust authentication ignores it, so it connects all the same. */
function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

describe.skipIf(skip !== undefined)(`turnlog CLI on PostgreSQL${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  const base = `t_cli_${process.pid}_${Date.now().toString(36)}`;
  const schemas: string[] = [];
  const newSchema = (): string => {
    const s = `${base}_${schemas.length}`;
    schemas.push(s);
    return s;
  };
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
  let dir: string;
  let lmdb: string;
  /** The store moved to PostgreSQL; the read commands run on it. */
  let schema: string;
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
    for (const name of ['NO_COLOR', 'npm_command', 'TERM', 'TURNLOG_PATH', 'TURNLOG_URL', 'TURNLOG_SCHEMA']) if (!(name in extra)) delete e[name];
    return e;
  };
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}, input?: string) => runNode([CLI, ...args], { env: env(extra), ...(input === undefined ? {} : { input }) });
  const onPg = (...args: string[]) => cli([...args, '--url', PG_URL, '--schema', schema]);
  /** A shell pipeline, as typed: `turnlog` is the built bin. */
  const shell = (script: string): string => execFileSync('/bin/sh', ['-c', script], { env: env({ PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}` }), encoding: 'utf8' });
  const schemaExists = async (name: string): Promise<boolean> => (await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).rowCount === 1;

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir();
    execFileSync('/bin/sh', ['-c', `mkdir -p "${dir}/bin" && printf '#!/bin/sh\\nexec "%s" "%s" "$@"\\n' "${process.execPath}" "${CLI}" > "${dir}/bin/turnlog" && chmod 755 "${dir}/bin/turnlog"`]);
    lmdb = join(dir, 'lmdb');
    let now = T0;
    const log = openSessionLog({ path: lmdb, clock: () => (now += 1000) });
    // tool calls, a summary with `through`, metadata, a removeLast, a truncation, an event id
    await log.updateMetadata('tg:1', { channel: 'telegram', chat: 1 });
    for (let i = 0; i < 3; i++) for (const m of toolTurn(`question ${i}`, `call${i}`)) await log.addMessages('tg:1', [m]);
    await log.setSummary('tg:1', 'Asked three questions.', { through: 8 });
    await log.addMessage('tg:1', 'user', 'oops', { eventId: 'turn-13' });
    await log.removeLast('tg:1', 1);
    await log.addMessage('tg:1', 'user', `long ${'x'.repeat(300)}`);
    await log.updateMetadata('tg:1', { chat: null, lang: 'en' });
    await log.addMessage('cli:7', 'user', 'hello');
    await log.addMessage('cli:7', 'assistant', 'hi');
    await log.truncateHistory('cli:7', 1);
    for (let i = 0; i < 3; i++) await log.addMessage(`batch:${i}`, 'user', `m${i}`);
    await log.close();
    schema = newSchema();
  }, 60_000);

  afterAll(async () => {
    for (const s of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await admin.end();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('export | import jsonl - moves a store from LMDB to PostgreSQL and back, unchanged', async () => {
    const exported = shell(`turnlog export --path "${lmdb}"`);
    expect(exported.split('\n').length).toBeGreaterThan(20);
    const imported = shell(`turnlog export --path "${lmdb}" | turnlog import jsonl - --url "${PG_URL}" --schema ${schema}`);
    expect(imported).toMatch(/^5 imported, 0 updated, 0 unchanged, 0 skipped; \d+ events written/m);
    const fromPg = shell(`turnlog export --url "${PG_URL}" --schema ${schema}`);
    // the same log (versions, times, payloads, event ids and fingerprints), sessions in the same order
    expect(fromPg).toBe(exported);
    const back = join(dir, 'back');
    shell(`turnlog export --url "${PG_URL}" --schema ${schema} | turnlog import jsonl - --path "${back}"`);
    expect(shell(`turnlog export --path "${back}"`)).toBe(exported);
    // and the current histories too
    expect(shell(`turnlog export --format json --url "${PG_URL}" --schema ${schema}`)).toBe(shell(`turnlog export --format json --path "${lmdb}"`));
    // a re-run changes nothing
    expect(shell(`turnlog export --path "${lmdb}" | turnlog import jsonl - --url "${PG_URL}" --schema ${schema}`)).toMatch(/^0 imported, 0 updated, 5 unchanged/m);
  }, 60_000);

  it('read commands print on PostgreSQL what they print on LMDB', async () => {
    for (const args of [
      ['history', 'tg:1'],
      ['history', 'tg:1', '--at', '10', '--json'],
      ['log', 'tg:1'],
      ['log', 'tg:1', '--from', '9', '--to', '12', '--json'],
      ['replay', 'tg:1'],
      ['replay', 'cli:7', '--json'],
      ['tail', 'tg:1', '-n', '3'],
      ['sessions', '--json'],
    ]) {
      const pgRun = await onPg(...args);
      const lmdbRun = await cli([...args, '--path', lmdb]);
      expect([pgRun.code, pgRun.stderr], args.join(' ')).toEqual([0, '']);
      expect(pgRun.stdout, args.join(' ')).toBe(lmdbRun.stdout);
    }
    const missing = await onPg('history', 'nope');
    expect([missing.code, missing.stdout]).toEqual([4, '']);
    expect(missing.stderr).toBe(`turnlog: no session "nope" in ${PG_URL} (schema ${schema})\n`);
  }, 60_000);

  it('sessions: the next-page line repeats --url and --schema, and gives the next page', async () => {
    const first = await onPg('sessions', '--limit', '2');
    expect(first.code).toBe(0);
    const more = /^more: turnlog (.*)$/m.exec(first.stdout)?.[1];
    expect(more).toMatch(new RegExp(`^sessions --url '?${PG_URL.replace(/[.?]/g, '\\$&')}'? --schema ${schema} --limit 2 --cursor \\S+$`));
    const cursor = (more as string).split(' ').pop() as string;
    const second = await onPg('sessions', '--limit', '2', '--cursor', cursor.replace(/^'|'$/g, ''));
    expect(second.code).toBe(0);
    const keys = (out: string): string[] => out.split('\n').slice(1).filter((l) => l !== '' && !l.startsWith('more:')).map((l) => l.split(' ')[0] as string);
    expect([...keys(first.stdout), ...keys(second.stdout)]).toHaveLength(4);
  });

  it('stats: the PostgreSQL store, its tables, no LMDB file rows; --json is the API stats', async () => {
    const j = JSON.parse((await onPg('stats', '--json')).stdout) as { sessions: number; events: number; storage: Record<string, unknown> };
    expect(j.sessions).toBe(5);
    expect(j.storage).toEqual({ backend: 'postgres', schema, logTableBytes: expect.any(Number), otherTableBytes: expect.any(Number) });
    const text = await onPg('stats');
    expect(text.code).toBe(0);
    const rows = text.stdout.trim().split('\n').map((l) => l.split(/ {2,}/)[0]);
    expect(rows).toEqual(['store', 'sessions', 'events', 'log tables', 'other tables', 'format']);
    expect(text.stdout).toContain(`store         ${PG_URL} (schema ${schema})`);
    expect(text.stdout).not.toMatch(/data file|readers|pages/);
  });

  it('verify and gc run on PostgreSQL', async () => {
    const v = await onPg('verify');
    expect([v.code, v.stderr]).toEqual([0, '']);
    expect(v.stdout).toMatch(/^ok: 5 sessions, \d+ events/);
    const dry = await onPg('gc', '--dry-run', '--replay-window', '0', '--json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, sessionsExpired: 0 });
    const before = await onPg('export');
    expect(before.stdout).toBe((await cli(['export', '--path', lmdb])).stdout); // the dry run removed nothing
  });

  it('environment: $TURNLOG_URL and $TURNLOG_SCHEMA name the store; --path wins over $TURNLOG_URL', async () => {
    const viaEnv = await cli(['sessions', '--json'], { TURNLOG_URL: PG_URL, TURNLOG_SCHEMA: schema });
    expect(viaEnv.code).toBe(0);
    expect((JSON.parse(viaEnv.stdout) as { sessions: unknown[] }).sessions).toHaveLength(5);
    const lmdbWins = await cli(['history', 'tg:1', '--path', lmdb], { TURNLOG_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect([lmdbWins.code, lmdbWins.stderr]).toEqual([0, '']);
    const urlWins = await cli(['history', 'tg:1', '--url', PG_URL, '--schema', schema], { TURNLOG_PATH: join(dir, 'nowhere') });
    expect([urlWins.code, urlWins.stderr]).toEqual([0, '']);
  });

  it('read commands never create a store; import does; a dry run plans without creating', async () => {
    const fresh = newSchema();
    for (const args of [['sessions'], ['stats'], ['verify'], ['export'], ['gc', '--dry-run']]) {
      const r = await cli([...args, '--url', PG_URL, '--schema', fresh]);
      expect([r.code, r.stderr], args.join(' ')).toEqual([1, `turnlog: no turnlog store in ${PG_URL} (schema ${fresh}) [NOT_FOUND]\n`]);
    }
    const dump = (await cli(['export', '--path', lmdb])).stdout;
    const dry = await cli(['import', 'jsonl', '-', '--dry-run', '--url', PG_URL, '--schema', fresh], {}, dump);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^dry run: 5 imported/m);
    expect(await schemaExists(fresh)).toBe(false);
    const real = await cli(['import', 'jsonl', '-', '--url', PG_URL, '--schema', fresh], {}, dump);
    expect(real.code).toBe(0);
    expect(await schemaExists(fresh)).toBe(true);
  });

  it('backup on PostgreSQL: one line that says to use pg_dump, exit 2, nothing written', async () => {
    const dest = join(dir, 'pg-backup');
    const r = await onPg('backup', dest);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(new RegExp(`^turnlog: a PostgreSQL store is backed up with the database's own tools: pg_dump --schema=${schema} .* \\(see turnlog backup --help\\)\\n$`));
    expect(execFileSync('/bin/sh', ['-c', `test -e "${dest}" && echo yes || echo no`], { encoding: 'utf8' }).trim()).toBe('no');
  });

  it('never prints the password of the URL: store names, next-page lines, errors, --debug stacks', async () => {
    const secret = 'Sup3rS3cret';
    const url = withPassword(PG_URL, secret);
    const masked = withPassword(PG_URL, '***').replace('%2A%2A%2A', '***');
    const runs = [
      await cli(['stats', '--url', url, '--schema', schema]),
      await cli(['sessions', '--limit', '1', '--url', url, '--schema', schema]),
      await cli(['history', 'nope', '--url', url, '--schema', schema]),
      await cli(['sessions', '--url', url, '--schema', newSchema()]),
      await cli(['sessions', '--debug'], { TURNLOG_URL: 'postgres://app:' + secret + '@127.0.0.1:1/none?connect_timeout=2' }),
      await cli(['sessions', '--debug', '--url', `postgres://127.0.0.1:1/none?password=${secret}&connect_timeout=2`]),
    ];
    for (const r of runs) expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
    expect(runs[0]?.stdout).toContain(`store         ${masked} (schema ${schema})`);
    expect(runs[1]?.stdout).toMatch(new RegExp(`^more: turnlog sessions --url '?${masked.replace(/[.?*]/g, '\\$&')}'? --schema`, 'm'));
    expect(runs[2]?.stderr).toBe(`turnlog: no session "nope" in ${masked} (schema ${schema})\n`);
    expect(runs[4]?.code).toBe(1);
    expect(runs[4]?.stderr).toMatch(/^turnlog: .*\[IO_ERROR\]$/m);
  }, 60_000);

  it('tail --follow on PostgreSQL polls: it prints events another process writes, and stops with exit 0', async () => {
    const child = spawn(process.execPath, [CLI, 'tail', 'live:1', '--follow', '--url', PG_URL, '--schema', schema], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const seen = (text: RegExp): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (text.test(out) || text.test(err)) resolve();
          else child.stdout.once('data', check), child.stderr.once('data', check);
        };
        check();
      });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await seen(/does not exist yet; waiting for it/);
    const writer = await openPostgresSessionLog({ connectionString: PG_URL, schema, create: false });
    try {
      await writer.addMessage('live:1', 'user', 'first');
      await seen(/v1 .*user first/);
      await writer.addMessage('live:1', 'assistant', 'second');
      await seen(/v2 .*assistant second/);
    } finally {
      await writer.close();
    }
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['v1', 'v2']);
  }, 60_000);
});
