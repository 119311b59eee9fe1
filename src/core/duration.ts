import { invalid } from '../errors.js';

/** A duration: milliseconds, or a string such as '250ms', '90s', '15m', '12h', '30d', '2w'. */
export type Duration = number | string;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * The longest delay a Node timer takes (2^31 − 1 ms, about 24.8 days): a longer one fires after
 * 1 ms instead, so a duration that feeds a timer is checked against it.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The longest duration that feeds timestamp arithmetic (ms since the epoch stay exact integers). */
export const MAX_DURATION_MS = Number.MAX_SAFE_INTEGER;

function describe(ms: number): string {
  return ms === MAX_TIMER_MS ? `${MAX_TIMER_MS} ms (about 24.8 days, the longest a timer can wait)` : `${ms} ms`;
}

/**
 * Parses a duration to ms. `Infinity` (or 'Infinity') is allowed where `allowInfinity`; any other
 * value must be finite and at most `max` ms (default MAX_DURATION_MS; MAX_TIMER_MS for what
 * feeds a timer). Errors are INVALID_ARGUMENT naming `name`.
 */
export function parseDuration(name: string, value: Duration, allowInfinity = false, max = MAX_DURATION_MS): number {
  let ms: number;
  if (typeof value === 'number') {
    if (value === Infinity && allowInfinity) return Infinity;
    if (!Number.isFinite(value) || value < 0) invalid(`${name} must be a duration ≥ 0 (ms or a string like '30d')`);
    ms = value;
  } else {
    if (typeof value !== 'string') invalid(`${name} must be a duration (ms or a string like '30d')`);
    if (value === 'Infinity' && allowInfinity) return Infinity;
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(value);
    if (m === null) invalid(`${name}: cannot read '${value}' as a duration (use e.g. '90s', '12h', '30d')`);
    ms = Number(m[1]) * (UNITS[m[2] ?? 'ms'] as number);
  }
  if (!Number.isFinite(ms) || ms > max) invalid(`${name} must be at most ${describe(max)}${typeof value === 'string' ? `, got '${value}'` : `, got ${value}`}`);
  return ms;
}
