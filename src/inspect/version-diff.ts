import { isTurnlogError } from '../errors.js';
import type { SessionLog } from '../engine/session-log.js';
import { messageLine } from './pairs.js';
import type { VersionDiff } from './protocol.js';

/**
 * What the event at `version` changed: the library's diff of version − 1 and `version`
 * (`SessionLog.diff`, messages told apart by position), as the page lists it. Undefined when
 * the previous version was collected by GC.
 */
export async function versionDiff(log: SessionLog, key: string, version: number): Promise<VersionDiff | undefined> {
  let d;
  try {
    d = await log.diff(key, { fromVersion: version - 1, toVersion: version });
  } catch (error) {
    if (isTurnlogError(error, 'PRUNED')) return undefined;
    throw error;
  }
  return {
    from: d.fromVersion,
    to: d.toVersion,
    added: d.added.map((m) => messageLine(m.message)),
    removed: d.removed.map((m) => messageLine(m.message)),
    ...(d.removed.length > 0 ? { removedFrom: d.removed[0]?.position } : {}),
    ...(d.summary === undefined ? {} : { summary: d.summary }),
    metadata: [
      ...Object.entries(d.metadata.added).map(([key, after]) => ({ key, after })),
      ...Object.entries(d.metadata.changed).map(([key, c]) => ({ key, before: c.before, after: c.after })),
      ...Object.entries(d.metadata.removed).map(([key, before]) => ({ key, before })),
    ],
  };
}
