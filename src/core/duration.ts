import { invalid } from '../errors.js';

/** A duration: milliseconds, or a string such as '250ms', '90s', '15m', '12h', '30d', '2w'. */
export type Duration = number | string;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration to ms. `Infinity` (or 'Infinity') is allowed where `allowInfinity`. */
export function parseDuration(name: string, value: Duration, allowInfinity = false): number {
  if (typeof value === 'number') {
    if (value === Infinity && allowInfinity) return Infinity;
    if (!Number.isFinite(value) || value < 0) invalid(`${name} must be a duration ≥ 0 (ms or a string like '30d')`);
    return value;
  }
  if (typeof value !== 'string') invalid(`${name} must be a duration (ms or a string like '30d')`);
  if (value === 'Infinity' && allowInfinity) return Infinity;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/.exec(value);
  if (m === null) invalid(`${name}: cannot read '${value}' as a duration (use e.g. '90s', '12h', '30d')`);
  return Number(m[1]) * (UNITS[m[2] ?? 'ms'] as number);
}
