/**
 * Go writes RFC 3339 with up to nine fraction digits and a local offset
 * ("2026-03-05T09:12:44.501327811+08:00"); JavaScript dates hold milliseconds. Returns ms since
 * the epoch, or undefined for anything that is not such a time.
 */
export function parseRfc3339(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(text.trim());
  if (m === null) return undefined;
  const ms = (m[2] ?? '').padEnd(3, '0').slice(0, 3);
  const t = Date.parse(`${m[1]}.${ms}${(m[3] as string).toUpperCase()}`);
  return plausible(t) ? t : undefined;
}

/** After 1970 and within what a Date holds: 0 is what a missing time defaults to in Go and JavaScript. */
const plausible = (t: number): boolean => Number.isFinite(t) && t > 0 && t <= 8.64e15;

/** Epoch milliseconds as numbers, or RFC 3339 strings. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value === 'number') return plausible(value) ? Math.floor(value) : undefined;
  return parseRfc3339(value);
}

/** The newest of the times found, or undefined when there is none. */
export function newest(times: Iterable<number | undefined>): number | undefined {
  let out: number | undefined;
  for (const t of times) if (t !== undefined && (out === undefined || t > out)) out = t;
  return out;
}

/** The oldest of the times found, or undefined when there is none. */
export function oldest(times: Iterable<number | undefined>): number | undefined {
  let out: number | undefined;
  for (const t of times) if (t !== undefined && (out === undefined || t < out)) out = t;
  return out;
}
