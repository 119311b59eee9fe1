import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../src/core/codec.js';
import { tempDir } from './support/harness.js';
import { assertBuilt, ROOT } from './support/processes.js';

/**
 * docs/cli.md says its examples are real output of the store `npm run demo` leaves behind. This
 * keeps it so: the demo runs into a temporary store (its story is fixed whatever the machine's
 * speed and however long commits take: each chat has its own seeded generator, and where a
 * summary lands is set by signals between a chat's agent and the summariser, not by timing; see
 * src/demo/gateway.ts and test/demo-gateway.test.ts), then every ```console block of the page runs
 * there, command by command, as a shell runs it, and each command's output must be the one
 * shown, up to what changes from run to run (times, durations, the store's path, page counts).
 */

/** Where the page's examples were made: the shown paths are this one. */
const DOC_DIR = '/tmp/docdemo';
const DOC = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');

interface Step {
  command: string;
  shown: string[];
}

/** The ```console blocks of the page, each as its `$ command` lines and the output shown under each. */
function consoleBlocks(text: string): Step[][] {
  return [...text.matchAll(/```console\n([\s\S]*?)```/g)].map((m) => {
    const steps: Step[] = [];
    for (const line of (m[1] as string).trimEnd().split('\n')) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2), shown: [] });
      else steps[steps.length - 1]?.shown.push(line);
    }
    return steps;
  });
}

/** What varies between runs of the same story, made the same on both sides. */
function normalise(line: string, dir: string): string {
  return line
    .replaceAll(dir, DOC_DIR)
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/g, 'TIME')
    .replace(/"(at|createdAt|updatedAt)":\d+/g, '"$1":TIME')
    // the column after an age is padded to the age's width ("2s ago" or "12s ago")
    .replace(/\b\d+[smhd] ago\b */g, 'AGO ')
    .replace(/--cursor \S+/g, '--cursor CURSOR')
    .replace(/\b\d+(\.\d+)? ms\b/g, 'N ms')
    .replace(/\b\d+ transactions\b/g, 'N transactions')
    .replace(/^(data file|readers) .*$/, '$1 N')
    // sealed events are packed and deflated with their real timestamps: a few bytes either way
    .replace(/^(bytes removed +)[\d,]+$/, '$1N')
    .replace(/^(log bytes +)\d+ KB \(live \d+ KB, dead \d+ KB\)$/, '$1N KB (live N KB, dead N KB)')
    .replace(/\d+ days ago, \d{4}-\d\d-\d\d/g, 'N days ago, DATE'); // the fixtures' age
}

let dir: string;
beforeAll(() => {
  assertBuilt();
  if (!existsSync(join(ROOT, 'dist-dev/src/demo/main.js'))) throw new Error('dist-dev/ is missing: run `npm run build:dev` first (npm test does)');
  dir = tempDir();
  // `turnlog` on the PATH, as after an install
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'turnlog'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'dist/src/cli/main.js')}" "$@"\n`);
  chmodSync(join(dir, 'bin', 'turnlog'), 0o755);
  cpSync(join(ROOT, 'test/fixtures/openclaw'), join(dir, 'test/fixtures/openclaw'), { recursive: true });
  cpSync(join(ROOT, 'test/fixtures/picoclaw'), join(dir, 'test/fixtures/picoclaw'), { recursive: true });
  execFileSync(process.execPath, [join(ROOT, 'dist-dev/src/demo/main.js')], { cwd: dir, env: env(), stdio: 'ignore' });
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, TURNLOG_PATH: join(dir, '.turnlog'), PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? ''}` };
  for (const name of ['NO_COLOR', 'npm_command', 'TERM']) delete e[name];
  return e;
}

/** "After damaging one checkpoint record of a copy of that store": the copy, damaged. */
async function makeDamagedCopy(): Promise<void> {
  execFileSync('turnlog', ['backup', 'damaged'], { cwd: dir, env: env(), stdio: 'ignore' });
  const raw = open({ path: join(dir, 'damaged'), encoding: 'binary' });
  const cps = raw.openDB({ name: 'checkpoints', encoding: 'binary' });
  const entry = [...cps.getRange({})][0] as { key: unknown; value: Uint8Array };
  const cp = decodeCheckpoint(entry.value);
  await cps.put(entry.key as never, encodeCheckpoint({ ...cp, projection: { ...cp.projection, summary: 'tampered' } }));
  await raw.close();
}

/** Runs a block's commands in one shell, in order; each command's output (stdout and stderr) and status. */
function runBlock(steps: Step[]): Array<{ out: string[]; status: number }> {
  const script = steps.map((s) => `(exit $st); ${s.command} 2>&1; st=$?; echo "@@@ $st"`).join('\n');
  const text = execFileSync('/bin/sh', ['-c', `st=0\n${script}\n`], { cwd: dir, env: env(), encoding: 'utf8' });
  const results: Array<{ out: string[]; status: number }> = [];
  let out: string[] = [];
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const end = /^@@@ (\d+)$/.exec(line);
    if (end === null) out.push(line);
    else {
      results.push({ out, status: Number(end[1]) });
      out = [];
    }
  }
  return results;
}

const blocks = consoleBlocks(DOC);

describe('docs/cli.md shows real output', () => {
  it('has examples to check', () => {
    expect(blocks.length).toBeGreaterThan(10);
  });

  it('every answer in an example agrees with the tool result before it', () => {
    // `tool ← id {"city":…,"tempC":…,"sky":…}` then `assistant <answer>`: same city, temperature and sky
    const lines = DOC.split('\n');
    let checked = 0;
    for (const [i, line] of lines.entries()) {
      const result = /← \S+ (\{"city".*\})\s*$/.exec(line) ?? /tool (\{"city".*\})\s*$/.exec(line);
      if (result === null) continue;
      const answer = /assistant (.*)$/.exec(lines[i + 1] ?? '')?.[1];
      if (answer === undefined) continue;
      const w = JSON.parse(result[1] as string) as { city: string; tempC: number; sky: string };
      expect(answer, `docs/cli.md:${i + 2}`).toContain(w.city);
      expect(answer, `docs/cli.md:${i + 2}`).toContain(`${w.tempC} °C`);
      expect(answer, `docs/cli.md:${i + 2}`).toContain(w.sky === 'clear' ? 'sunny' : 'raining');
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('every command shown prints what is shown under it, with the exit status shown', async () => {
    for (const [b, steps] of blocks.entries()) {
      if (steps.some((s) => s.command.includes('--path damaged'))) await makeDamagedCopy();
      const results = runBlock(steps);
      for (const [i, step] of steps.entries()) {
        const r = results[i];
        const where = `block ${b + 1}: $ ${step.command}`;
        expect(r, where).toBeDefined();
        expect(r?.out.map((l) => normalise(l, dir)), where).toEqual(step.shown.map((l) => normalise(l, dir)));
        // a turnlog command on its own fails when it shows an error line, and succeeds otherwise
        // (but import, whose exit 1 means "finished, some files left out"); a shown `echo $?` says it
        if (/^turnlog [^|>]*$/.test(step.command) && steps[i + 1]?.command !== 'echo $?') {
          const failed = step.shown.some((l) => l.startsWith('turnlog: ') && !/ collected by GC\b/.test(l)); // that one is a note
          if (failed || !step.command.includes(' import ')) expect(r?.status !== 0, where).toBe(failed);
        }
      }
    }
  }, 300_000); // some forty CLI processes, one after the other: minutes on a loaded machine
});
