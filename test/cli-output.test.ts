import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { Progress } from '../src/cli/progress.js';
import { fold, relativeTime } from '../src/cli/style.js';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';

function capture(isTTY: boolean) {
  const out = { text: '', isTTY, write: (s: string) => ((out.text += s), true) };
  const err = { text: '', isTTY, write: (s: string) => ((err.text += s), true) };
  return { out, err };
}

let dir: string;
let path: string;
beforeAll(async () => {
  dir = tempDir();
  path = join(dir, 'store');
  const log = openSessionLog({ path });
  await log.addMessage('k', 'user', 'hi');
  await log.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI presentation', () => {
  it('colours on a terminal, plain with NO_COLOR, TERM=dumb or --json', async () => {
    const cases: Array<[boolean, NodeJS.ProcessEnv, string[], boolean]> = [
      [true, {}, [], true],
      [true, { NO_COLOR: '1' }, [], false],
      [true, { TERM: 'dumb' }, [], false],
      [false, {}, [], false],
      [true, {}, ['--json'], false],
    ];
    for (const [tty, env, extra, coloured] of cases) {
      const { out, err } = capture(tty);
      expect(await main(['sessions', '--path', path, ...extra], { stdout: out, stderr: err, env })).toBe(0);
      expect(out.text.includes('\u001b['), JSON.stringify({ tty, env, extra })).toBe(coloured);
    }
  });

  it('tail on a session whose old versions GC collected shows what is kept and names what was collected', async () => {
    const gcPath = join(dir, 'compacted');
    const log = openSessionLog({ path: gcPath, replayWindow: 0 });
    for (let i = 0; i < 5; i++) await log.addMessage('k', 'user', `m${i}`);
    await log.gc();
    await log.addMessage('k', 'user', 'after gc');
    await log.close();
    const { out, err } = capture(false);
    expect(await main(['tail', 'k', '--lines', '4', '--json', '--path', gcPath], { stdout: out, stderr: err, env: {} })).toBe(0);
    expect(err.text).toBe('turnlog: events v3..v5 of "k" were collected by GC; continuing at v6\n');
    expect((JSON.parse(out.text) as Array<{ version: number }>).map((e) => e.version)).toEqual([6]);
  });

  it('folds, relative times, and a progress bar only on a terminal', () => {
    expect(fold('a\n b   c', 10)).toBe('a b c');
    expect(fold('x'.repeat(20), 10)).toBe(`${'x'.repeat(9)}… (+11 chars)`);
    // no width (--width 0) keeps everything; a width used up by a prefix keeps nothing, never wraps round
    expect(fold('x'.repeat(200), Infinity)).toBe('x'.repeat(200));
    expect(fold('abcdef', -3)).toBe('… (+6 chars)');
    expect([relativeTime(0, 30_000), relativeTime(0, 600_000), relativeTime(0, 7_200_000), relativeTime(0, 3 * 86_400_000), relativeTime(60_000, 0)]).toEqual([
      '30s ago',
      '10m ago',
      '2h ago',
      '3d ago',
      'in 1m',
    ]);
    const tty = capture(true).err;
    const bar = new Progress(tty, 'verifying', true);
    bar.update(5, 10);
    bar.done();
    expect(tty.text).toContain('[############............] 5/10');
    const piped = capture(false).err;
    new Progress(piped, 'verifying', true).update(5, 10);
    expect(piped.text).toBe('');
  });
});
