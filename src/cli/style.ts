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
 * One line: the first `max` characters (Infinity: all), with what was left out said. A width
 * left too small by a long prefix (max ≤ 1) keeps nothing rather than wrapping round.
 */
export function fold(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const keep = Math.max(0, Math.floor(max) - 1);
  return `${flat.slice(0, keep)}… (+${flat.length - keep} chars)`;
}

/** Left-aligned columns from rows of cells (no colour codes in cells used for width). */
export function columns(rows: string[][], widths?: number[]): string[] {
  const w = widths ?? rows.reduce<number[]>((acc, r) => r.map((c, i) => Math.max(acc[i] ?? 0, visibleLength(c))), []);
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(Math.max(0, (w[i] ?? 0) - visibleLength(c))))).join('  ').trimEnd());
}

function visibleLength(s: string): number {
  return s.replace(/\u001b\[\d+m/g, '').length;
}

/** A word as a POSIX shell reads it back: bare when safe, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
