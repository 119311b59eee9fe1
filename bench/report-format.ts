/** Number formatting and Markdown tables shared by the report's sections. */

export const n = (x: number | null | undefined, digits = 0): string =>
  x === undefined || x === null || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Milliseconds with the digits that matter at each size. */
export const ms = (x: number | null | undefined): string => (x === undefined || x === null ? 'n/a' : x < 1 ? n(x, 3) : x < 100 ? n(x, 2) : n(x, 0));

export const table = (head: string[], rows: string[][]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');

/** How the reference row compares with a store: "3.1× faster" / "1.8× slower". */
export function versus(reference: number | undefined, other: number | undefined, higherIsBetter: boolean, self: boolean): string {
  if (self) return '—';
  if (reference === undefined || other === undefined || reference <= 0 || other <= 0) return 'n/a';
  const f = higherIsBetter ? reference / other : other / reference;
  return f >= 1 ? `${n(f, f < 10 ? 2 : 0)}× faster` : `${n(1 / f, 1 / f < 10 ? 2 : 0)}× slower`;
}

/** A store's figure as a multiple of another's: "2.69×" (n/a when either is missing). */
export function times(value: number | undefined, base: number | undefined): string {
  if (value === undefined || base === undefined || !Number.isFinite(value) || !Number.isFinite(base) || base <= 0) return 'n/a';
  const f = value / base;
  return `${n(f, f < 10 ? 2 : 0)}×`;
}
