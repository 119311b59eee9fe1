import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { maskCredentials, maskUrl, resolveStore } from '../src/cli/store.js';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';
import { toolTurn } from './support/messages.js';

/** Runs the CLI in this process, as a pipe would see it (no colour). */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}, stdin?: string): Promise<{ code: number; out: string; err: string }> {
  const out = { text: '', write: (s: string) => ((out.text += s), true) };
  const err = { text: '', write: (s: string) => ((err.text += s), true) };
  const code = await main(argv, { stdout: out, stderr: err, env, ...(stdin === undefined ? {} : { stdin: Readable.from([Buffer.from(stdin)]) }) });
  return { code, out: out.text, err: err.text };
}

const PG = 'postgres://app:s3cret@db.example:5432/prod';

describe('which store: --path, --url, --schema and their variables', () => {
  it('--path is LMDB, --url PostgreSQL (schema turnlog unless --schema or $TURNLOG_SCHEMA)', () => {
    expect(resolveStore({ path: 'x' }, {})).toEqual({ kind: 'lmdb', path: resolve('x') });
    expect(resolveStore({}, {})).toEqual({ kind: 'lmdb', path: resolve('.turnlog') });
    expect(resolveStore({ url: PG }, {})).toEqual({ kind: 'postgres', url: PG, schema: 'turnlog' });
    expect(resolveStore({ url: PG }, { TURNLOG_SCHEMA: 'env_s' })).toEqual({ kind: 'postgres', url: PG, schema: 'env_s' });
    expect(resolveStore({ url: PG, schema: 'flag_s' }, { TURNLOG_SCHEMA: 'env_s' })).toEqual({ kind: 'postgres', url: PG, schema: 'flag_s' });
    expect(resolveStore({}, { TURNLOG_URL: PG })).toEqual({ kind: 'postgres', url: PG, schema: 'turnlog' });
    expect(resolveStore({}, { TURNLOG_PATH: '/s', TURNLOG_URL: '' })).toEqual({ kind: 'lmdb', path: '/s' });
  });

  it('a flag beats either variable: --path over $TURNLOG_URL, --url over $TURNLOG_PATH', () => {
    expect(resolveStore({ path: 'x' }, { TURNLOG_URL: PG })).toEqual({ kind: 'lmdb', path: resolve('x') });
    expect(resolveStore({ url: PG }, { TURNLOG_PATH: '/s' })).toMatchObject({ kind: 'postgres', url: PG });
  });

  it('refuses what is ambiguous or misplaced, in one line, without quoting the URL', () => {
    const refused: Array<[Record<string, string>, NodeJS.ProcessEnv, RegExp]> = [
      [{ path: 'x', url: PG }, {}, /^--path \(an LMDB store\) and --url \(a PostgreSQL store\) cannot be given together$/],
      [{}, { TURNLOG_PATH: '/s', TURNLOG_URL: PG }, /both \$TURNLOG_PATH and \$TURNLOG_URL are set/],
      [{ schema: 's' }, {}, /^--schema applies only to a PostgreSQL store/],
      [{ path: 'x', schema: 's' }, { TURNLOG_URL: PG }, /^--schema applies only to a PostgreSQL store/],
      [{ url: 'mysql://app:s3cret@h/db' }, {}, /^--url must be a postgres:\/\/ or postgresql:\/\/ URL$/],
      [{}, { TURNLOG_URL: 'http://app:s3cret@h' }, /^\$TURNLOG_URL must be a postgres:\/\//],
    ];
    for (const [flags, env, message] of refused) {
      expect(() => resolveStore(flags, env), JSON.stringify([flags, env])).toThrow(message);
    }
  });

  it('the CLI: a usage error (exit 2, one line) before anything is opened', async () => {
    const r = await run(['sessions', '--path', 'nowhere', '--url', PG]);
    expect(r.code).toBe(2);
    expect(r.err).toBe('turnlog: --path (an LMDB store) and --url (a PostgreSQL store) cannot be given together (see turnlog sessions --help)\n');
    expect(r.out).toBe('');
    const bad = await run(['sessions', '--url', PG, '--schema', 'No-Such']);
    expect([bad.code, bad.err]).toEqual([2, 'turnlog: --schema must be a lower-case SQL identifier: letters, digits and _ (at most 63), not starting with a digit (see turnlog sessions --help)\n']);
  });

  it('help names --url and --schema for every command', async () => {
    for (const argv of [['--help'], ['history', '--help']]) {
      const r = await run(argv);
      expect(r.out).toMatch(/--url URL +a PostgreSQL store instead: postgres:\/\/… \(default \$TURNLOG_URL\)/);
      expect(r.out).toMatch(/--schema NAME +its schema \(default \$TURNLOG_SCHEMA, else turnlog\)/);
    }
  });
});

describe('credentials are never printed', () => {
  it('masks the password of the user part and of password= parameters', () => {
    expect(maskUrl(PG)).toBe('postgres://app:***@db.example:5432/prod');
    expect(maskUrl('postgresql://app@h/db')).toBe('postgresql://app@h/db');
    expect(maskUrl('postgres://h/db?sslmode=require&password=pw&sslpassword=k')).toBe('postgres://h/db?sslmode=require&password=***&sslpassword=***');
    // an unescaped @ or / in a password: masked whole, never half shown
    expect(maskUrl('postgres://app:p@ss/w@h/db')).toBe('postgres://app:***@h/db');
    expect(maskCredentials(`cannot reach "${PG}": refused`)).toBe('cannot reach "postgres://app:***@db.example:5432/prod": refused');
  });
});

describe('import jsonl - reads stdin', () => {
  let dir: string;
  beforeAll(() => void (dir = tempDir()));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an export piped in restores the store; the temporary copy is gone afterwards', async () => {
    const from = join(dir, 'from');
    const log = openSessionLog({ path: from });
    for (const m of toolTurn('q', 'c1')) await log.addMessages('k', [m]);
    await log.setSummary('k', 'asked once', { through: 2 });
    await log.updateMetadata('k', { channel: 'cli' });
    await log.close();
    const file = join(dir, 'dump.jsonl');
    expect((await run(['export', '--path', from, '--output', file])).code).toBe(0);
    const dump = readFileSync(file, 'utf8');
    const temps = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith(`.turnlog-${process.pid}-`));
    const to = join(dir, 'to');
    const r = await run(['import', 'jsonl', '-', '--path', to, '--json'], {}, dump);
    expect([r.code, r.err]).toEqual([0, '']);
    const report = JSON.parse(r.out) as { source: string; sessions: Array<{ key: string; status: string }> };
    expect(report.source).toBe('-');
    expect(report.sessions).toEqual([expect.objectContaining({ key: 'k', status: 'imported' })]);
    expect(temps()).toEqual([]);
    const again = join(dir, 'again.jsonl');
    expect((await run(['export', '--path', to, '--output', again])).code).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(dump);
  });

  it('a line that is not an event is listed against stdin (-), not a temporary file', async () => {
    const r = await run(['import', 'jsonl', '-', '--path', join(dir, 'bad')], {}, 'not json\n');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^left out  -:1: not an exported turnlog event/m);
  });

  it('only jsonl reads stdin; stdin empty or larger than --max-file-mb is refused before the store is opened', async () => {
    expect((await run(['import', 'picoclaw', '-', '--path', join(dir, 'p')])).err).toMatch(/^turnlog: import: picoclaw reads a folder; only jsonl reads stdin \(-\)/);
    const big = await run(['import', 'jsonl', '-', '--path', join(dir, 'big'), '--max-file-mb', '1'], {}, 'x'.repeat(1024 * 1024 + 1));
    expect([big.code, big.err]).toEqual([2, 'turnlog: import: stdin holds more than 1 MiB (--max-file-mb) (see turnlog import --help)\n']);
    expect(readdirSync(dir)).not.toContain('big');
    // a failed export before the pipe: refused, no empty store left behind
    const empty = await run(['import', 'jsonl', '-', '--path', join(dir, 'empty')], {}, '');
    expect([empty.code, empty.err]).toEqual([2, 'turnlog: import: stdin is empty (did the command before the pipe fail?); nothing was imported or created (see turnlog import --help)\n']);
    expect(readdirSync(dir)).not.toContain('empty');
  });
});
