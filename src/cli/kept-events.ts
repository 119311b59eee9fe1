import { isTurnlogError } from '../errors.js';
import type { ReadEventsOptions } from '../types.js';

/** Versions GC collected before they could be read: [from, to], reading resumes at `resume`. */
export interface Gap {
  from: number;
  to: number;
  resume: number;
}

/** The session was deleted while it was read (the library's NOT_FOUND while iterating): exit 4. */
export class DeletedWhileReading extends Error {
  override readonly name = 'DeletedWhileReading';
}

/**
 * Reads a session's events (or replay steps) from `from` to `to`, carrying on past versions GC
 * collected, before or during the read, and reporting each such gap: nothing is skipped
 * silently. A `from` below the oldest readable version is a gap, not an error. The library
 * reports collected versions as PRUNED with `oldestReadable` (the state at that version is
 * kept; its events start one later) and a session deleted meanwhile as NOT_FOUND. Streams: one
 * page of the library's read is in memory at a time.
 */
export async function* keptEvents<T>(
  read: (range: ReadEventsOptions) => AsyncIterable<T> | Iterable<T>,
  versionOf: (item: T) => number,
  range: { from?: number | undefined; to?: number | undefined },
  onGap: (gap: Gap) => void,
): AsyncGenerator<T> {
  let next = Math.max(1, range.from ?? 1);
  const to = range.to;
  for (;;) {
    if (to !== undefined && next > to) return;
    try {
      // fromVersion is always explicit, so versions collected before the read are PRUNED too
      for await (const item of read({ fromVersion: next, ...(to === undefined ? {} : { toVersion: to }) })) {
        const v = versionOf(item);
        if (v > next) onGap({ from: next, to: v - 1, resume: v });
        yield item;
        next = v + 1;
      }
      return;
    } catch (error) {
      if (isTurnlogError(error, 'NOT_FOUND')) throw new DeletedWhileReading(error.message, { cause: error });
      const oldest = isTurnlogError(error, 'PRUNED') ? error.oldestReadable : undefined;
      if (oldest === undefined || oldest < next) throw error;
      onGap({ from: next, to: to === undefined ? oldest : Math.min(oldest, to), resume: oldest + 1 });
      next = oldest + 1;
    }
  }
}

/** "v3" or "v3..v40". */
export function versions(from: number, to: number): string {
  return from === to ? `v${from}` : `v${from}..v${to}`;
}

/** The note for a gap: what was collected and where reading goes on (if it does: `latest`). */
export function gapNote(key: string, gap: Gap, latest?: number): string {
  const what = `${gap.from === gap.to ? 'event' : 'events'} ${versions(gap.from, gap.to)} of ${JSON.stringify(key)} ${gap.from === gap.to ? 'was' : 'were'} collected by GC`;
  return latest !== undefined && gap.resume > latest ? what : `${what}; continuing at v${gap.resume}`;
}
