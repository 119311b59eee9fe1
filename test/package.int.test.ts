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
