import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { parseCommandLine } from '../src/cli/args.js';
import { COMMANDS } from '../src/cli/commands/index.js';
import { shellQuote } from '../src/cli/style.js';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';

/** Runs the CLI in this process, as a pipe would see it (no colour). */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = { text: '', write: (s: string) => ((out.text += s), true) };
  const err = { text: '', write: (s: string) => ((err.text += s), true) };
  const code = await main(argv, { stdout: out, stderr: err, env: {} });
  return { code, out: out.text, err: err.text };
}

let dir: string;
let path: string;
let gcPath: string;
beforeAll(async () => {
  dir = tempDir();
  path = join(dir, 'store');
  const log = openSessionLog({ path });
  for (let i = 1; i <= 6; i++) await log.addMessage('k', 'user', `m${i}`);
  await log.addMessage('long', 'user', `start ${'x'.repeat(300)} end`);
  for (const key of ['tg:1', 'tg:2', 'tg:3', 'cli:1']) await log.addMessage(key, 'user', 'hi');
  await log.close();
  // a session whose every event GC collected, and one with events after the collection
  gcPath = join(dir, 'collected');
  const gc = openSessionLog({ path: gcPath, replayWindow: 0 });
  for (let i = 0; i < 5; i++) await gc.addMessage('all', 'user', `a${i}`);
  for (let i = 0; i < 5; i++) await gc.addMessage('some', 'user', `s${i}`);
  await gc.gc();
  await gc.addMessage('some', 'user', 'after gc');
  await gc.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI arguments (node:util parseArgs, strict)', () => {
  it('tail -n 3, -n3 and --lines=3 all give the last three events', async () => {
    for (const form of [['-n', '3'], ['-n3'], ['--lines=3'], ['--lines', '3']]) {
      const r = await run('tail', 'k', ...form, '--path', path);
      expect([r.code, r.err], form.join(' ')).toEqual([0, '']);
      expect(r.out.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['v4', 'v5', 'v6']);
    }
  });

  it('global flags stand before or after the command; a flag value is never taken for the command', async () => {
    const before = await run('--path', path, '--json', 'sessions', '--prefix', 'tg:');
    const after = await run('sessions', '--prefix', 'tg:', '--json', '--path', path);
    expect(before).toEqual(after);
    expect(before.code).toBe(0);
    // "--prefix history" is a value, not the command
    expect((await run('--prefix', 'history', 'sessions', '--path', path)).out.trim()).toBe('no sessions');
  });

  it('a key that starts with - goes after --', async () => {
    const seed = openSessionLog({ path });
    await seed.addMessage('-odd', 'user', 'dash');
    await seed.close();
    const r = await run('history', '--path', path, '--', '-odd');
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toContain('user      dash');
    expect((await run('history', '-odd', '--path', path)).code).toBe(2);
  });

  it('a missing argument is named: the one not given, not the first word of the usage', async () => {
    const cases: Array<[string[], string]> = [
      [['fork'], 'fork needs KEY and NEWKEY'],
      [['fork', 'k'], 'fork needs NEWKEY'],
      [['import'], 'import needs picoclaw|openclaw|jsonl and SOURCE'],
      [['import', 'jsonl'], 'import needs SOURCE'],
      [['history'], 'history needs KEY'],
      [['backup'], 'backup needs DEST'],
    ];
    for (const [argv, needs] of cases) {
      const r = await run(...argv, '--path', path);
      expect([r.code, r.err.split(' (usage: ')[0]], argv.join(' ')).toEqual([2, `turnlog: ${needs}`]);
    }
    // every command that takes arguments names each one it lacks, and none it was given
    const word = (w: string): RegExp => new RegExp(`(^|[^A-Z|])${w.replace(/\|/g, '\\|')}($|[^A-Z|])`);
    for (const c of COMMANDS.filter((c) => c.positionals.min > 0)) {
      const names = c.usage.split(' ').filter((w) => !w.startsWith('[') && !w.startsWith('-')).slice(0, c.positionals.min);
      for (let n = 0; n < c.positionals.min; n++) {
        const r = await run(c.name, ...Array.from({ length: n }, (_, i) => `arg${i}`), '--path', path);
        const line = r.err.split(' (usage: ')[0] as string;
        expect(line, `${c.name} with ${n}`).toMatch(new RegExp(`^turnlog: ${c.name} needs `));
        for (const [i, name] of names.entries()) expect(word(name).test(line), `${c.name} with ${n}: ${name}`).toBe(i >= n);
      }
    }
  });

  it('checks values instead of casting them, and names the flag', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['sessions', '--limit', 'lots'], /^turnlog: --limit must be a whole number from 1 to 10000, not 'lots'/],
      [['sessions', '--limit', '0'], /^turnlog: --limit must be a whole number from 1 to 10000, not '0'/],
      [['history', 'k', '--at', '1.5'], /^turnlog: --at must be a whole number from 0 to 9007199254740991, not '1.5'/],
      [['history', 'k', '--at', '99999999999999999999'], /^turnlog: --at must be a whole number from 0 to 9007199254740991, not '99999999999999999999'/],
      [['log', 'k', '--from=-2'], /^turnlog: --from must be a whole number from 0 to 9007199254740991, not '-2'/],
      [['history', 'k', '--at', '-1'], /^turnlog: --at must be a whole number from 0 to 9007199254740991, not '-1'/],
      [['history', 'k', '--width', '-3'], /^turnlog: --width must be a whole number from 0 to 9007199254740991, not '-3'/],
      [['import', 'picoclaw', dir, '--max-file-mb', '1.5'], /^turnlog: --max-file-mb must be a whole number from 1 to 511, not '1.5'/],
      [['import', 'picoclaw', dir, '--max-file-mb', '512'], /^turnlog: --max-file-mb must be a whole number from 1 to 511, not '512'/],
      [['log', 'k', '--from', '5', '--to', '3'], /^turnlog: --from 5 is after --to 3/],
      [['replay', 'k', '--from=5', '--to=3'], /^turnlog: --from 5 is after --to 3/],
      [['log', 'nope', '--from', '5', '--to', '3'], /^turnlog: --from 5 is after --to 3/],
      [['history', 'k', '--at', '1', '--at'], /^turnlog: --at needs a value \(VERSION\)/],
      [['tail', 'k', '--lines'], /^turnlog: --lines needs a value \(N\)/],
      [['sessions', '--json=yes'], /^turnlog: --json takes no value/],
      [['sessions', '--wat'], /^turnlog: unknown option --wat/],
      [['tail', 'k', '--at', '3'], /^turnlog: tail: unknown option --at/],
      [['sessions', '--cursor', 'nonsense'], /^turnlog: --cursor nonsense is not one that 'turnlog sessions' printed/],
      [['gc', '--ttl', '0'], /^turnlog: --ttl must be > 0/],
      [['gc', '--replay-window', 'soon'], /^turnlog: --replay-window: cannot read 'soon' as a duration/],
    ];
    for (const [argv, message] of cases) {
      const r = await run(...argv, '--path', path);
      expect([r.code, r.out], argv.join(' ')).toEqual([2, '']);
      expect(r.err, argv.join(' ')).toMatch(message);
      expect(r.err).not.toMatch(/atVersion|fromVersion|replayWindow|listSessions/);
      // a usage error of a command points to that command's help
      expect(r.err, argv.join(' ')).toMatch(new RegExp(`\\(see turnlog ${argv[0]} --help\\)\n$`));
    }
  });

  it('every flag name means the same in every command (one parser knows them all)', () => {
    expect(() => parseCommandLine(['sessions'], COMMANDS)).not.toThrow();
    expect(() => parseCommandLine([], [...COMMANDS, { name: 'odd', flags: { follow: { kind: 'string', help: '' } } }])).toThrow(/takes a value in one command/);
    expect(() => parseCommandLine([], [...COMMANDS, { name: 'odd', flags: { number: { kind: 'integer', short: 'n', help: '' } } }])).toThrow(/-n of odd/);
  });

  it('`turnlog help COMMAND` and -h print the command help; -V the version', async () => {
    expect((await run('help', 'tail')).out).toContain('-n, --lines N');
    expect((await run('tail', '-h')).out).toContain('Usage: turnlog tail KEY [-n N] [--follow]');
    expect((await run('-V')).out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('CLI sessions, widths and collected events', () => {
  it('every command that names a session reports a missing one the same way: stderr, exit 4', async () => {
    for (const argv of [['history', 'nope'], ['log', 'nope'], ['replay', 'nope'], ['tail', 'nope'], ['export', 'nope'], ['log', 'nope', '--json'], ['history', 'nope', '--json']]) {
      const r = await run(...argv, '--path', path);
      expect([r.code, r.out, r.err], argv.join(' ')).toEqual([4, '', `turnlog: no session "nope" in ${path}\n`]);
    }
  });

  it('the `more:` hint repeats --path, --limit and --prefix, and gives the next page', async () => {
    const first = await run('sessions', '--path', path, '--limit', '2', '--prefix', 'tg:');
    const hint = first.out.trim().split('\n').pop() as string;
    expect(hint).toMatch(new RegExp(`^more: turnlog sessions --path ${path} --limit 2 --prefix tg: --cursor \\S+$`));
    const next = await run(...hint.replace(/^more: turnlog /, '').split(' '));
    expect(next.code).toBe(0);
    expect(next.out.trim().split('\n').slice(1).map((l) => l.split(' ')[0])).toEqual(['tg:1']);
    // words a shell would split or expand are quoted
    expect([shellQuote('tg:1'), shellQuote('a b'), shellQuote("it's"), shellQuote('$HOME')]).toEqual(['tg:1', "'a b'", "'it'\\''s'", "'$HOME'"]);
  });

  it('--width 0 folds nothing; a small width folds without mangling', async () => {
    const full = await run('history', 'long', '--width', '0', '--path', path);
    expect(full.out).toContain(`user      start ${'x'.repeat(300)} end\n`);
    const narrow = await run('history', 'long', '--width', '20', '--path', path);
    expect(narrow.out).toContain(`user      start ${'x'.repeat(13)}… (+291 chars)\n`);
  });

  it('log, replay and tail on a session GC collected say so instead of printing nothing', async () => {
    const all = await run('log', 'all', '--path', gcPath);
    expect([all.code, all.out, all.err]).toEqual([0, '', 'turnlog: events v1..v5 of "all" were collected by GC\n']);
    const replay = await run('replay', 'all', '--path', gcPath);
    expect([replay.code, replay.out, replay.err]).toEqual([0, '', 'turnlog: events v1..v5 of "all" were collected by GC\n']);
    const some = await run('log', 'some', '--path', gcPath);
    expect(some.err).toBe('turnlog: events v1..v5 of "some" were collected by GC; continuing at v6\n');
    expect(some.out.trim().split('\n')).toEqual([expect.stringMatching(/^v6 .* user after gc$/)]);
    // --from below the oldest kept version is a note, not an error
    const from = await run('log', 'some', '--from', '3', '--json', '--path', gcPath);
    expect(from.code).toBe(0);
    expect(from.err).toBe('turnlog: events v3..v5 of "some" were collected by GC; continuing at v6\n');
    expect((JSON.parse(from.out) as Array<{ version: number }>).map((e) => e.version)).toEqual([6]);
    const tail = await run('tail', 'all', '--path', gcPath);
    expect([tail.code, tail.out, tail.err]).toEqual([0, '', 'turnlog: events v1..v5 of "all" were collected by GC\n']);
  });
});

describe('sessions with a rare prefix', () => {
  it('keeps asking the library until the page is full or the listing ends, so a match is never hidden behind an empty page', async () => {
    const store = join(dir, 'many');
    const log = openSessionLog({ path: store });
    await log.addMessage('rare:1', 'user', 'hi');
    // more sessions than the library examines per call (2,048), all newer than the rare one
    await Promise.all(Array.from({ length: 5000 }, (_, i) => log.addMessage(`common:${i}`, 'user', 'hi')));
    expect((await log.listSessions({ prefix: 'rare:', limit: 5 })).sessions).toEqual([]); // the library's bounded first call
    await log.close();
    const r = await run('sessions', '--path', store, '--prefix', 'rare:', '--limit', '5');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('rare:1');
    expect(r.out).not.toContain('more:');
    const j = await run('sessions', '--path', store, '--prefix', 'rare:', '--json');
    expect((JSON.parse(j.out) as { sessions: Array<{ key: string }> }).sessions.map((s) => s.key)).toEqual(['rare:1']);
  });
});
