import { readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { assertBuilt, ROOT, runNode } from './support/processes.js';
import { tempDir } from './support/harness.js';
import { ERROR_CODES } from '../src/errors.js';
import { openMemorySessionLog, openSessionLog } from '../src/open.js';
import pg from 'pg';
import { pgUnavailable, PG_URL } from './support/pg-probe.js';

async function dropDocsSchema(): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query('DROP SCHEMA IF EXISTS turnlog CASCADE');
  } finally {
    await client.end();
  }
}

/** Every ```ts block marked runnable in the README and docs runs as written against the build. */
beforeAll(assertBuilt);
let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function examples(): Array<[string, string]> {
  const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const out: Array<[string, string]> = [];
  for (const f of files) {
    const text = readFileSync(join(ROOT, f), 'utf8');
    let i = 0;
    for (const m of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
      const code = m[1] as string;
      // Runnable: imports turnlog (or a subpath of it) and nothing of the reader's own ('./…').
      if (/from 'turnlog(\/[a-z-]+)?'/.test(code) && !/from '\.\.?\//.test(code)) out.push([`${f} #${++i}`, code]);
    }
  }
  return out;
}

/**
 * PostgreSQL examples read DATABASE_URL, as an application would: here the test database, whose
 * schema "turnlog" (the default an example opens) is dropped before and after each of them.
 */
const pgSkip = await pgUnavailable();
const usesPg = (code: string): boolean => code.includes('openPostgresSessionLog');

/**
 * A fresh directory for one example, where the frameworks an example imports (`@openai/agents-core`,
 * `ai`, `@langchain/core`: the project's dev dependencies) resolve as in a reader's project.
 */
function exampleDir(): string {
  const d = tempDir();
  symlinkSync(join(ROOT, 'node_modules'), join(d, 'node_modules'), 'dir');
  return d;
}

/** `from 'turnlog'` and `from 'turnlog/<subpath>'` point at the build, through package.json's exports. */
const EXPORTS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, string | { import?: string }> }).exports;
function resolveImports(code: string): string {
  return code.replace(/from 'turnlog(\/[a-z-]+)?'/g, (_, sub: string | undefined) => {
    const entry = EXPORTS[`.${sub ?? ''}`];
    const target = typeof entry === 'string' ? entry : entry?.import;
    if (target === undefined) throw new Error(`package.json exports no turnlog${sub ?? ''}`);
    return `from '${pathToFileURL(join(ROOT, target)).href}'`;
  });
}

/** A conformance-suite example runs under vitest, as its reader would run it. */
const usesSuite = (code: string): boolean => code.includes("from 'turnlog/testing'");

it.each(examples())('%s runs', async (name, code) => {
  if (usesSuite(code)) {
    dir = exampleDir();
    const file = join(dir, 'example.conformance.test.mjs');
    writeFileSync(file, resolveImports(code));
    const r = await runNode([join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--dir', dir], { cwd: dir, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+\d+ passed/);
    return;
  }
  if (usesPg(code) && pgSkip !== undefined) {
    console.log(`${name}: skipped, ${pgSkip}`);
    return;
  }
  dir = exampleDir();
  const script = join(dir, 'example.mjs');
  writeFileSync(script, resolveImports(code));
  if (usesPg(code)) await dropDocsSchema();
  const r = await runNode([script], { cwd: dir, env: { ...process.env, DATABASE_URL: PG_URL } }).finally(() => (usesPg(code) ? dropDocsSchema() : undefined));
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});

/** The section of `text` under the heading `heading` (up to the next heading of its level or above). */
function section(text: string, heading: string): string {
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`no heading ${heading}`);
  const level = /^#+/.exec(heading)?.[0].length ?? 2;
  const rest = text.slice(start + heading.length + 1);
  const end = rest.search(new RegExp(`^#{1,${level}} `, 'm'));
  return end < 0 ? rest : rest.slice(0, end);
}

const read = (f: string): string => readFileSync(join(ROOT, f), 'utf8');
const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

it("README's error list and docs/api.md's error table name exactly ERROR_CODES", () => {
  const readme = /stable `code` \(([^)]*)\)/.exec(read('README.md'))?.[1] ?? '';
  expect(sorted([...readme.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1] as string))).toEqual(sorted(ERROR_CODES));
  const table = section(read('docs/api.md'), '## Errors');
  expect(sorted([...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1] as string))).toEqual(sorted(ERROR_CODES));
});

it("docs/api.md documents every field stats() returns, on LMDB and in memory, and no other", async () => {
  const doc = section(read('docs/api.md'), '### `stats(): Promise<SessionLogStats>`');
  const rows = sorted([...doc.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1] as string));
  dir = tempDir();
  const logs = [openSessionLog({ path: join(dir, 'store') }), openMemorySessionLog()];
  try {
    for (const log of logs) {
      await log.addMessage('s', 'user', 'hi');
      const stats = await log.stats();
      expect(sorted(Object.keys(stats))).toEqual(rows);
      const row = (name: string): string => new RegExp(`^\\| \`${name}\` \\|(.*)$`, 'm').exec(doc)?.[1] ?? '';
      for (const field of Object.keys(stats.format)) expect(row('format')).toMatch(new RegExp(`\\b${field}\\b`));
      for (const field of Object.keys(stats.storage)) expect(row('storage')).toMatch(new RegExp(`\\b${field}\\b`));
    }
  } finally {
    for (const log of logs) await log.close();
  }
});

it("README states the Node.js range of package.json's engines", () => {
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
  expect(read('README.md')).toContain(`\`engines\`: \`${engines}\``);
});
