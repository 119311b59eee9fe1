import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from './support/harness.js';
import { ROOT, runNode, type RunResult } from './support/processes.js';

/**
 * The package as a user gets it: `npm pack` of an unbuilt copy of the sources (so `prepare` must
 * build it, as it must for `npm install git+…`), the tarball installed into an empty app, then
 * used from ESM, CommonJS, the `turnlog` bin and a TypeScript consumer without @types/node.
 * The repository's own dist/ is never touched: other test files use it meanwhile.
 */
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
let dir: string;
let app: string;
let files: string[];

/** A child npm must not inherit the npm that runs the tests (its prefix, its lifecycle event). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  // The bin's `#!/usr/bin/env node` must find the node that runs the tests.
  return { ...env, PATH: `${dirname(process.execPath)}${delimiter}${env['PATH'] ?? ''}` };
}

function run(command: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Uint8Array) => (stdout += d.toString()));
    child.stderr.on('data', (d: Uint8Array) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function ok(r: Promise<RunResult>, what: string): Promise<RunResult> {
  const done = await r;
  if (done.code !== 0) throw new Error(`${what} failed (exit ${done.code}):\n${done.stdout}\n${done.stderr}`);
  return done;
}

beforeAll(async () => {
  dir = tempDir('turnlog-package-');
  // An unbuilt clone: the sources and configs the build reads, no dist/ (node_modules linked).
  const clone = join(dir, 'clone');
  mkdirSync(clone);
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'src', 'docs']) {
    if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(clone, f), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  const packed = await ok(run('npm', ['pack', '--json', '--pack-destination', dir], clone), 'npm pack');
  const report = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const tarball = join(dir, report[0]?.filename ?? '');
  files = (report[0]?.files ?? []).map((f) => f.path);

  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
  // The dependencies come from the npm cache that `npm ci` filled, else from the registry.
  await ok(run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app), 'npm install of the tarball');
}, 300_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

it('the tarball holds the built library and CLI, and neither bench, demo, tests nor source maps', () => {
  for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/require.cjs', 'dist/src/cli/main.js']) expect(files).toContain(f);
  // the inspector's page runs from the package alone: its scripts are compiled into dist/src
  for (const f of ['dist/src/inspect/client/app.js', 'dist/src/inspect/client/dom.js', 'docs/img/inspect-session.png']) expect(files).toContain(f);
  const unexpected = files.filter((f) => !(f.startsWith('dist/src/') || f.startsWith('docs/') || f === 'README.md' || f === 'CHANGELOG.md' || f === 'LICENSE' || f === 'package.json'));
  expect(unexpected).toEqual([]);
  expect(files.filter((f) => f.startsWith('dist/src/demo/') || f.endsWith('.map') || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
});

const USE = `
const log = openSessionLog({ path: 'store' });
await log.addMessage('s1', 'user', 'hello from the tarball');
console.log(JSON.stringify(await log.getHistory('s1')));
await log.close();`;

it('ESM: import from the installed package opens an LMDB store and writes', async () => {
  const r = await runNode(['--input-type=module', '-e', `import { openSessionLog } from 'turnlog';${USE}`], { cwd: app, env: cleanEnv() });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual([{ role: 'user', content: 'hello from the tarball' }]);
});

it('the subpaths resolve from the installed package: turnlog/store loads, turnlog/testing needs only its optional vitest', async () => {
  const script = `const store = await import('turnlog/store');
console.log(JSON.stringify([typeof store.openSessionLogOnStore, typeof store.decideVersion, ['testing', 'openai-agents', 'ai-sdk', 'langchain'].every((sub) => import.meta.resolve('turnlog/' + sub).includes('/dist/src/'))]));
await import('turnlog/testing').catch((e) => console.log(JSON.stringify(String(e.message).includes("'vitest'"))));`;
  const r = await runNode(['--input-type=module', '-e', script], { cwd: app, env: cleanEnv() });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([['function', 'function', true], true]);
});

it('CommonJS: require() gives the same exports, without a warning', async () => {
  const script = "const t = require('turnlog'); import('turnlog').then((m) => console.log(JSON.stringify([Object.keys(t).sort(), Object.keys(m).sort()])));";
  const r = await runNode(['-e', script], { cwd: app, env: cleanEnv() });
  expect(r.stderr).toBe('');
  const [required, imported] = JSON.parse(r.stdout) as [string[], string[]];
  expect(required).toContain('openSessionLog');
  expect(required).toEqual(imported);
});

it.skipIf(!process.allowedNodeEnvironmentFlags.has('--experimental-require-module'))(
  'CommonJS on a Node.js that cannot require() ES modules: one clear message naming the versions needed',
  async () => {
    const r = await runNode(['--no-experimental-require-module', '-e', "require('turnlog')"], { cwd: app, env: cleanEnv() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("require('turnlog') needs Node.js 20.19 or later on the 20 line, 22.12 or later on the 22 line");
    expect(r.stderr).toContain("import('turnlog')");
  },
);

it('the turnlog bin is installed and runs', async () => {
  const bin = join(app, 'node_modules', '.bin', 'turnlog');
  const version = await run(bin, ['--version'], app);
  expect(version.stdout.trim()).toBe(VERSION);
  expect(version.code).toBe(0);
  const help = await run(bin, ['--help'], app);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Usage:');
  const bad = await run(bin, ['frobnicate'], app);
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim().split('\n')).toHaveLength(1);
});

it('TypeScript (nodenext, no skipLibCheck, no @types/node) type-checks an ESM and a CommonJS consumer', async () => {
  expect(existsSync(join(app, 'node_modules', '@types', 'node'))).toBe(false);
  mkdirSync(join(app, 'src'), { recursive: true });
  const compilerOptions = { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: [], strict: true, noEmit: true };
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }));
  writeFileSync(
    join(app, 'src', 'esm.mts'),
    `import { openSessionLog, TurnlogError, type SessionLogOptions, type Message } from 'turnlog';
const options: SessionLogOptions = { path: 'store', encryptionKey: new Uint8Array(32) };
const log = openSessionLog(options);
const history: Message[] = await log.getHistory('s1');
export type Store = import('turnlog/store').SessionStore;
export const codes: string[] = [history.length > 0 ? 'some' : 'none', new TurnlogError('NOT_FOUND', 'x').code];
await log.close();
`,
  );
  writeFileSync(
    join(app, 'src', 'cjs.cts'),
    `import turnlog = require('turnlog');
const log = turnlog.openMemorySessionLog();
export const count: Promise<number> = log.getHistory('s1').then((history) => history.length);
`,
  );
  const tsc = await runNode([join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app], { cwd: app, env: cleanEnv() });
  expect(tsc.stdout).toBe('');
  expect(tsc.code).toBe(0);
});
