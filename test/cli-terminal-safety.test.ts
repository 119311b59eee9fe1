import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { codePoints, fold, safe, shellQuote } from '../src/cli/style.js';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';

/** Runs the CLI in this process; `tty` makes it colour its output as on a terminal. */
async function run(argv: string[], options: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; out: string; err: string }> {
  const out = { text: '', isTTY: options.tty === true, write: (s: string) => ((out.text += s), true) };
  const err = { text: '', isTTY: options.tty === true, write: (s: string) => ((err.text += s), true) };
  const code = await main(argv, { stdout: out, stderr: err, env: options.env ?? {} });
  return { code, out: out.text, err: err.text };
}

/** What must never reach a terminal from the data: C0/C1 controls, DEL, bidi controls, separators, lone surrogates. */
const DANGEROUS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** The codes the CLI writes itself on a terminal: colours, and the progress bar's redraw. */
const OWN_COLOURS = /\u001b\[\d*[mK]|\r/g;

const KEY = '\u001b[31mRED\u001b[0m \u0007bell';
const HOSTILE = 'a\u001b]0;title\u0007 b\u009b2J c\u202eevil d e\u0000f';
const EMOJI = '😀'.repeat(200);

let dir: string;
let path: string;
beforeAll(async () => {
  dir = tempDir();
  path = join(dir, 'store');
  const log = openSessionLog({ path });
  await log.addMessage(KEY, 'user', HOSTILE);
  await log.addFullMessage(KEY, { role: 'assistant\u001b[2J', content: '', tool_calls: [{ id: 'id\u009b1m', type: 'function', function: { name: 'get\u202eweather', arguments: '{"x":"\u001b[5m"}' } }] });
  await log.addFullMessage(KEY, { role: 'tool', tool_call_id: 'id\u009b1m', content: HOSTILE });
  await log.setSummary(KEY, `summary ${HOSTILE}`);
  await log.updateMetadata(KEY, { note: '\u009b31m\u202e' });
  await log.addMessage('emoji', 'user', EMOJI);
  await log.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('untrusted data never reaches the terminal raw', () => {
  it('safe() escapes control and bidi code points and leaves other text alone', () => {
    expect(safe('\u001b[31mRED\u001b[0m \u0007bell')).toBe('\\x1b[31mRED\\x1b[0m \\x07bell');
    expect(safe('a\u009bb\u202ec\u2066d\u007f\u0000')).toBe('a\\x9bb\\u202ec\\u2066d\\x7f\\x00');
    expect(safe('x\ud800y\udc00')).toBe('x\\ud800y\\udc00');
    expect(safe('Tromsø 😀 “quoted” \\ tab-less')).toBe('Tromsø 😀 “quoted” \\ tab-less');
    expect(safe('two\nlines')).toBe('two\\x0alines');
  });

  it.each([
    [['history', KEY]],
    [['history', KEY, '--width', '0']],
    [['history', KEY, '--width', '12']],
    [['sessions']],
    [['sessions', '--limit', '1', '--prefix', '\u001b']],
    [['log', KEY]],
    [['replay', KEY]],
    [['replay', KEY, '--width', '0']],
    [['tail', KEY]],
  ])('%j prints no control or bidi code point of the data, plain or coloured', async (argv) => {
    for (const tty of [false, true]) {
      const r = await run([...argv, '--path', path], { tty });
      expect(r.code, JSON.stringify({ argv, tty, err: r.err })).toBe(0);
      expect(r.out.replace(OWN_COLOURS, ''), JSON.stringify({ argv, tty })).not.toMatch(DANGEROUS);
      expect(r.err.replace(OWN_COLOURS, '')).not.toMatch(DANGEROUS);
    }
  });

  it('the data is shown escaped, so what it holds stays visible', async () => {
    const r = await run(['history', KEY, '--path', path]);
    expect(r.out.split('\n')[0]).toBe('\\x1b[31mRED\\x1b[0m \\x07bell at v5 · 3 messages');
    expect(r.out).toContain('a\\x1b]0;title\\x07 b\\x9b2J c\\u202eevil d e\\x00f');
    expect(r.out).toContain('→ get\\u202eweather({"x":"\\x1b[5m"}) id\\x9b1m');
  });

  it('error messages and notes that quote a key escape it too', async () => {
    for (const argv of [['history', '\u001b[2J\u202e'], ['log', '\u009b2J'], ['history', '--', '\u001b]0;x\u0007'], ['\u001b[2Jcmd'], ['sessions', '--cursor', '\u001b[2J']]) {
      const r = await run([...argv, '--path', path]);
      expect(r.code, JSON.stringify(argv)).toBeGreaterThan(0);
      expect(r.err, JSON.stringify(argv)).toMatch(/^turnlog: /);
      expect(r.err, JSON.stringify(argv)).not.toMatch(DANGEROUS);
    }
    const missing = await run(['history', '\u009b2J', '--path', path]);
    expect(missing.err).toBe(`turnlog: no session "\\x9b2J" in ${path}\n`);
  });

  it('--json stays exact JSON of the data', async () => {
    const r = await run(['history', KEY, '--json', '--path', path]);
    const doc = JSON.parse(r.out) as { key: string; messages: Array<{ content: unknown }> };
    expect(doc.key).toBe(KEY);
    expect(doc.messages[0]?.content).toBe(HOSTILE);
  });

  it('the more: hint quotes a prefix with control characters so a shell reads it back', () => {
    expect(shellQuote('\u001b[2J')).toBe("$'\\x1b[2J'");
    expect(shellQuote("it's\u0007")).toBe("$'it\\'s\\x07'");
    expect(shellQuote('a\u009bb\u202e')).toBe("$'a\\u009bb\\u202e'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});

describe('folding counts and cuts code points', () => {
  it('never splits a surrogate pair, and counts what it leaves out in code points', () => {
    expect(fold('😀'.repeat(100), 10)).toBe(`${'😀'.repeat(9)}… (+91 chars)`);
    expect(fold('ab😀😀', 4)).toBe('ab😀😀');
    expect(fold('ab😀😀c', 4)).toBe('ab😀… (+2 chars)');
    expect(codePoints('😀é')).toBe(2);
    // an escape is never cut in half; what is left out is counted in characters of the data
    expect(fold('ab\u001bcdef', 5)).toBe('ab… (+5 chars)');
    expect(fold('\u001b', 10)).toBe('\\x1b');
  });

  it('history --width 10 on an emoji message shows whole emoji and the right count', async () => {
    const r = await run(['history', 'emoji', '--width', '10', '--path', path]);
    expect(r.out).toContain(`user      ${'😀'.repeat(9)}… (+191 chars)`);
    expect(r.out).not.toContain('\ufffd');
    expect(r.out).not.toMatch(DANGEROUS);
  });

  it('the sessions summary column folds on code points too', async () => {
    const store = join(dir, 'summaries');
    const log = openSessionLog({ path: store });
    await log.setSummary('s', '😀'.repeat(60));
    await log.close();
    const r = await run(['sessions', '--path', store]);
    expect(r.out).toContain(`${'😀'.repeat(47)}… (+13 chars)`);
    expect(r.out).not.toMatch(DANGEROUS);
  });
});

describe('commands printed to paste back', () => {
  it('the more: hint says npx turnlog when run through npx, turnlog otherwise', async () => {
    const store = join(dir, 'paging');
    const log = openSessionLog({ path: store });
    for (const k of ['a', 'b', 'c']) await log.addMessage(k, 'user', 'hi');
    await log.close();
    const plain = await run(['sessions', '--limit', '1', '--path', store]);
    expect(plain.out).toMatch(/^more: turnlog sessions --path \S+ --limit 1 --cursor \S+$/m);
    const npx = await run(['sessions', '--limit', '1', '--path', store], { env: { npm_command: 'exec' } });
    expect(npx.out).toMatch(/^more: npx turnlog sessions --path \S+ --limit 1 --cursor \S+$/m);
    const usage = await run(['history', 'a', '--at', 'x', '--path', store], { env: { npm_command: 'exec' } });
    expect(usage.err).toMatch(/\(see npx turnlog history --help\)\n$/);
  });
});
