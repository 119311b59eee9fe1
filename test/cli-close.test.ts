import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionLog } from '../src/engine/session-log.js';
import { tempDir } from './support/harness.js';

/** Every store the CLI opens, to check that each was closed when main() returned. */
const opened = vi.hoisted(() => [] as SessionLog[]);
vi.mock('../src/open.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/open.js')>();
  return {
    ...real,
    openSessionLog: (...args: Parameters<typeof real.openSessionLog>) => {
      const log = real.openSessionLog(...args);
      opened.push(log);
      return log;
    },
  };
});

const { main } = await import('../src/cli/main.js');
const { openSessionLog } = await import('../src/open.js');

let dir: string;
let path: string;
beforeAll(async () => {
  dir = tempDir();
  path = join(dir, 'store');
  const log = openSessionLog({ path });
  await log.addMessage('k', 'user', 'hi');
  await log.close();
  opened.length = 0;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const isClosed = async (log: SessionLog): Promise<boolean> => {
  try {
    await log.getSession('k');
    return false;
  } catch (error) {
    return (error as { code?: string }).code === 'CLOSED';
  }
};

describe('the CLI closes every store it opened', () => {
  it('after success, usage errors found by the library, missing sessions and failures', async () => {
    const sink = { write: () => true };
    const cases: Array<[string[], number]> = [
      [['sessions'], 0],
      [['history', 'k'], 0],
      [['history', 'k', '--at', '99'], 2], // INVALID_ARGUMENT after the store was opened
      [['log', 'nope'], 4],
      [['gc', '--dry-run', '--replay-window', '0'], 0],
      [['verify'], 0],
      [['stats'], 0],
    ];
    for (const [argv, code] of cases) {
      opened.length = 0;
      expect(await main([...argv, '--path', path], { stdout: sink, stderr: sink, env: {} }), argv.join(' ')).toBe(code);
      expect(opened.length, argv.join(' ')).toBeGreaterThan(0);
      expect(await Promise.all(opened.map(isClosed)), argv.join(' ')).toEqual(opened.map(() => true));
    }
  });

  it('after tail --follow is stopped', async () => {
    opened.length = 0;
    const stop = new AbortController();
    const running = main(['tail', 'k', '--follow', '--path', path], { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, signal: stop.signal });
    stop.abort();
    expect(await running).toBe(0);
    expect(await Promise.all(opened.map(isClosed))).toEqual([true]);
  });
});
