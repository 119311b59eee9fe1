import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';
import { AgentDbWriter, msg } from './support/openclaw-sqlite.js';
import { T0, writeMainAgent, writeOpsAgent, writeStateDir } from './support/openclaw-sqlite-state.js';
import { assertBuilt, ROOT, runNode } from './support/processes.js';

const CLI = join(ROOT, 'dist/src/cli/main.js');
let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = tempDir();
});

const cli = (store: string, ...args: string[]) => runNode([CLI, '--path', store, ...args]);

/** Bytes and modification time of the database and its sidecar files (absent: null). */
function files(db: string): Record<string, { sha: string; mtimeMs: number; size: number } | null> {
  const out: Record<string, { sha: string; mtimeMs: number; size: number } | null> = {};
  for (const suffix of ['', '-wal', '-shm']) {
    const p = db + suffix;
    out[suffix || 'db'] = existsSync(p) ? { sha: createHash('sha256').update(readFileSync(p)).digest('hex'), mtimeMs: statSync(p).mtimeMs, size: statSync(p).size } : null;
  }
  return out;
}

async function history(store: string, key: string): Promise<unknown[]> {
  const log = openSessionLog({ path: store, create: false });
  try {
    return (await log.getHistory(key)).map((m) => m.content);
  } finally {
    await log.close();
  }
}

describe('turnlog import openclaw (SQLite era)', () => {
  it('reads a database openclaw has open: WAL content not yet checkpointed, a writer connection, nothing changed but the readers’ shared memory', async () => {
    const state = join(dir, 'live');
    const main = join(state, 'agents/main/agent/openclaw-agent.sqlite');
    const ops = join(state, 'agents/ops/agent/openclaw-agent.sqlite');
    writeOpsAgent(ops).close();
    const writer = writeMainAgent(main, 23, { checkpoint: false });
    try {
      // what the import must find lives only in the -wal file so far
      expect(statSync(`${main}-wal`).size).toBeGreaterThan(0);
      expect(readFileSync(main).includes('Top pick: Hotel Alfama')).toBe(false);
      expect(readFileSync(`${main}-wal`).includes('Top pick: Hotel Alfama')).toBe(true);
      const before = files(main);
      const store = join(dir, 'live-store');
      const r = await cli(store, 'import', 'openclaw', state, '--json');
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout) as { sessions: Array<{ key: string; status: string }> };
      expect(report.sessions.filter((s) => s.status === 'imported').map((s) => s.key)).toContain('agent:main:main');
      expect((await history(store, 'agent:main:main')).at(-1)).toEqual([{ type: 'text', text: 'Top pick: Hotel Alfama 1 at 89 EUR.' }]);
      const after = files(main);
      // the database and the WAL: not a byte, not a timestamp
      expect(after.db).toEqual(before.db);
      expect(after['-wal']).toEqual(before['-wal']);
      // the -shm is shared memory: a reader takes a read mark in it (SQLite's locking), same size
      expect(after['-shm']?.size).toBe(before['-shm']?.size);

      // openclaw goes on writing; the next import brings in just that
      writer.events('w-main-2', [msg('c0000010', 'c0000009', 'user', 'Book it', new Date(T0 + 200_000).toISOString())]);
      const again = await cli(store, 'import', 'openclaw', state, '--json');
      const second = JSON.parse(again.stdout) as { sessions: Array<{ key: string; status: string; events: number }> };
      expect(second.sessions.find((s) => s.key === 'agent:main:main')).toMatchObject({ status: 'updated' });
      expect(second.sessions.filter((s) => s.status === 'unchanged')).toHaveLength(5);
      expect((await history(store, 'agent:main:main')).at(-1)).toBe('Book it');
    } finally {
      writer.close();
    }
  });

  it('a closed database: the file itself is left as it was; SQLite adds the -wal and -shm any reader of a WAL database needs', async () => {
    const state = join(dir, 'closed');
    const { main } = writeStateDir(state);
    const before = files(main);
    expect(before['-wal']).toBeNull();
    const r = await cli(join(dir, 'closed-store'), 'import', 'openclaw', state);
    expect(r.code).toBe(1); // damaged rows and entries were left out
    const after = files(main);
    expect(after.db).toEqual(before.db);
    // left there, empty: a connection that could write would have removed both on closing
    expect(after['-wal']?.size).toBe(0);
    expect(after['-shm']).not.toBeNull();
  });

  it('exit 2, one line, and no store created: not SQLite, a foreign SQLite file, a missing column', async () => {
    const junk = join(dir, 'junk.sqlite');
    writeFileSync(junk, 'plain text');
    const foreign = new AgentDbWriter(join(dir, 'foreign.sqlite'), 19);
    foreign.db.exec('DROP TABLE session_nodes');
    foreign.close();
    const old = new AgentDbWriter(join(dir, 'agents/x/agent/openclaw-agent.sqlite'), 19);
    old.db.exec('ALTER TABLE session_nodes DROP COLUMN entry_json');
    old.close();
    const cases: Array<[string, RegExp]> = [
      [junk, /junk\.sqlite is not a SQLite database/],
      [join(dir, 'foreign.sqlite'), /not an openclaw agent database \(it has no session_nodes table\)/],
      [join(dir, 'agents/x'), /the column session_nodes\.entry_json is missing/],
    ];
    for (const [source, message] of cases) {
      const store = join(dir, `refused-${cases.findIndex((c) => c[0] === source)}`);
      const r = await cli(store, 'import', 'openclaw', source);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(store)).toBe(false);
    }
  });

  it('a missing optional dependency: exit 2, one line naming the package, no store created', async () => {
    // a preload that makes one package unresolvable, as an install that left it out would
    const preload = join(dir, 'block.cjs');
    writeFileSync(
      preload,
      `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === process.env.BLOCKED) throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};
`,
    );
    const state = join(dir, 'deps');
    writeStateDir(state);
    for (const name of ['better-sqlite3', 'fzstd']) {
      const store = join(dir, `deps-store-${name}`);
      const r = await runNode(['--require', preload, CLI, '--path', store, 'import', 'openclaw', state], { env: { ...process.env, BLOCKED: name } });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining(`needs the "${name}" package`)]);
      expect(r.stderr).toContain(`npm install ${name}`);
      expect(existsSync(store)).toBe(false);
    }
  });

  it('a dry run plans without a store and writes nothing', async () => {
    const state = join(dir, 'dry');
    writeStateDir(state);
    const r = await cli(join(dir, 'dry-store'), 'import', 'openclaw', state, '--dry-run');
    expect(r.stdout).toMatch(/dry run: 6 imported, 0 updated, 0 unchanged, 0 skipped; \d+ events would be written/);
    expect(existsSync(join(dir, 'dry-store'))).toBe(false);
  });

  it("docs/migrating.md shows the CLI's real output on the SQLite-era state directory of the tests", async () => {
    const doc = readFileSync(join(ROOT, 'docs/migrating.md'), 'utf8');
    const m = /^ *\$ npx turnlog import openclaw ~\/\.openclaw --path \/tmp\/demo-oc-sqlite\n([\s\S]*?)(?=^ *```)/m.exec(doc);
    expect(m).not.toBeNull();
    const state = join(dir, 'docs-state');
    writeStateDir(state);
    const r = await cli(join(dir, 'docs-store'), 'import', 'openclaw', state);
    const normal = (text: string) =>
      text
        .replace(/^ +/gm, '')
        .replaceAll(state, '~/.openclaw')
        .replace(/\d+ ms/g, 'N ms')
        .replace(/^note .*$/gm, 'note …')
        .trim();
    expect(normal(r.stdout)).toBe(normal(m?.[1] ?? ''));
  });
});
