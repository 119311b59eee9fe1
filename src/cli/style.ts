/**
 * Presentation for people: colour only on a terminal, never when piped, with NO_COLOR set or
 * TERM=dumb; relative times; folded long texts.
 */
export interface Style {
  enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  magenta(s: string): string;
  cyan(s: string): string;
}

export function colourWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && env['NO_COLOR'] === undefined && env['TERM'] !== 'dumb';
}

export function makeStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) => (enabled ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    magenta: wrap(35, 39),
    cyan: wrap(36, 39),
  };
}

/** "3m ago", "2h ago", "5d ago"; "in 2m" for a future time (clock skew). */
export function relativeTime(at: number, now: number): string {
  const d = now - at;
  const a = Math.abs(d);
  const unit = a < 45_000 ? `${Math.round(a / 1000)}s` : a < 2_700_000 ? `${Math.round(a / 60_000)}m` : a < 64_800_000 ? `${Math.round(a / 3_600_000)}h` : `${Math.round(a / 86_400_000)}d`;
  return d >= 0 ? `${unit} ago` : `in ${unit}`;
}

export function isoTime(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * Code points that must not reach a terminal raw: C0 and C1 controls and DEL (escape sequences,
 * bells, cursor moves; U+009B is a one-byte CSI), bidi overrides and isolates (text that reads
 * differently from what it is), line and paragraph separators, and lone surrogates.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** One unsafe code unit as an escape: \x1b, \u202e. */
function escapeUnit(c: string): string {
  const n = c.charCodeAt(0);
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/**
 * Untrusted text (keys, contents, ids, file names, error messages quoting them) made safe to
 * print on a terminal: every code point in UNSAFE shown as an escape, the rest as it is.
 * Newlines too: a line of output stays one line. Not for --json output, which stays exact JSON.
 */
export function safe(text: string): string {
  return text.replace(UNSAFE, escapeUnit);
}

/** Length in code points, the unit `fold` cuts and counts in (a surrogate pair is one). */
export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * One line, safe for a terminal: whitespace runs become one space, unsafe code points escapes
 * (see `safe`), and the first `max` characters are kept (Infinity: all), with the number of
 * characters left out. Characters are code points, so a cut never splits a surrogate pair and
 * an escape is never cut in half. A width left too small by a long prefix (max ≤ 1) keeps
 * nothing rather than wrapping round.
 */
export function fold(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const whole = safe(flat);
  if (codePoints(whole) <= max) return whole;
  const keep = Math.max(0, Math.floor(max) - 1);
  let shown = '';
  let width = 0;
  let taken = 0; // code points of `flat` shown
  for (const c of flat) {
    const piece = safe(c); // the code point itself (one column), or an escape of several
    const w = piece === c ? 1 : piece.length;
    if (width + w > keep) break;
    shown += piece;
    width += w;
    taken++;
  }
  return `${shown}… (+${codePoints(flat) - taken} chars)`;
}

/** Left-aligned columns from rows of cells (no colour codes in cells used for width). */
export function columns(rows: string[][], widths?: number[]): string[] {
  const w = widths ?? rows.reduce<number[]>((acc, r) => r.map((c, i) => Math.max(acc[i] ?? 0, visibleLength(c))), []);
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(Math.max(0, (w[i] ?? 0) - visibleLength(c))))).join('  ').trimEnd());
}

/** Columns a cell takes: code points, not counting our own colour codes. */
function visibleLength(s: string): number {
  return codePoints(s.replace(/\u001b\[\d+m/g, ''));
}

/**
 * A word as a POSIX shell reads it back: bare when safe, else single-quoted; a word with code
 * points a terminal must not see raw is written $'…' with escapes (bash, zsh, ksh).
 */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  // in $'…', \xNN is a byte: a code point from U+0080 up is written \uNNNN to read back as itself
  if (safe(word) !== word) return `$'${word.replace(/[\\']/g, '\\$&').replace(UNSAFE, (c) => (c.charCodeAt(0) < 0x80 ? escapeUnit(c) : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))}'`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
