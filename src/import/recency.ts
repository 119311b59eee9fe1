/**
 * Imported sessions keep their source times, and `ttl` counts idle time from `updatedAt`: a
 * session last used 40 days ago in picoclaw is deleted by the first GC with `ttl: '30d'`. The
 * import report says so, with the numbers, instead of letting a later GC surprise the user.
 */

const DAY = 86_400_000;

/**
 * A warning when some of `times` (the `updatedAt` that imported sessions got) lie more than a
 * day before `now`; undefined otherwise. `canCountFromImport`: the importer has `recency: 'import'`.
 */
export function idleWarning(times: readonly number[], now: number, canCountFromImport: boolean): string | undefined {
  const idle = times.filter((t) => now - t > DAY);
  if (idle.length === 0) return undefined;
  const oldest = Math.min(...idle);
  const over30 = times.filter((t) => now - t > 30 * DAY).length;
  const s = idle.length === 1 ? ' was' : 's were';
  const text =
    `${idle.length} imported session${s} last active more than a day ago (the oldest ${Math.floor((now - oldest) / DAY)} days ago, ${new Date(oldest).toISOString().slice(0, 10)}) ` +
    `and keep${idle.length === 1 ? 's' : ''} that time: a GC with a ttl counts idle time from it (gc --ttl 30d would delete ${over30} of them now).`;
  return canCountFromImport ? `${text} To count from the import instead, import again with --recency import (option recency: 'import').` : text;
}
