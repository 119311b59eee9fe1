import { appendFileSync } from 'node:fs';

/**
 * Reliability figures for docs/reliability.md: when TURNLOG_FIGURES names a file (the soak run
 * sets it), tests append what they exercised, one JSON line each. Otherwise this does nothing.
 */
export function recordFigure(name: string, value: number): void {
  const file = process.env['TURNLOG_FIGURES'];
  if (file !== undefined) appendFileSync(file, `${JSON.stringify({ name, value })}\n`);
}
