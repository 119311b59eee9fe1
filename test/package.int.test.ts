import { expect, it, beforeAll } from 'vitest';
import { assertBuilt, runNode } from './support/processes.js';

beforeAll(assertBuilt);

it("import('turnlog') resolves inside the package after a build", async () => {
  const r = await runNode(['--input-type=module', '-e', "const m = await import('turnlog'); console.log(typeof m.openSessionLog, typeof m.TurnlogError, m.ERROR_CODES.length > 0)"]);
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe('function function true');
});

it('the turnlog bin prints help, and a usage error exits 2 with one line', async () => {
  const help = await runNode(['dist/src/cli/main.js', '--help']);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain('Usage:');
  const bad = await runNode(['dist/src/cli/main.js', 'frobnicate']);
  expect(bad.code).toBe(2);
  expect(bad.stderr.trim().split('\n')).toHaveLength(1);
});

it('the demo runs the gateway workload, loses nothing and leaves its store where it says', async () => {
  const { tempDir } = await import('./support/harness.js');
  const { rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dir = tempDir();
  try {
    const path = join(dir, 'demo-store');
    const r = await runNode(['dist/src/demo/main.js'], { env: { ...process.env, TURNLOG_PATH: path } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/lost messages\s+0\s+orphan tool results 0/);
    expect(r.stdout).toContain(`The store stays at ${path}`);
    const { openSessionLog } = await import('../src/open.js');
    const log = openSessionLog({ path, create: false });
    expect(log.stats().sessions).toBe(8);
    await log.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
