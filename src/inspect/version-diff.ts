import type { SessionLog } from '../engine/session-log.js';
import type { Message } from '../types.js';
import { messageLine } from './pairs.js';
import type { VersionDiff } from './protocol.js';

/** What the event at `version` changed versus `version − 1` (temporary: from the replay step). */
export async function versionDiff(log: SessionLog, key: string, version: number): Promise<VersionDiff | undefined> {
  for await (const step of log.replay(key, { fromVersion: version, toVersion: version })) {
    const metadata = step.event.type === 'metadata.updated' ? Object.entries(step.event.patch).map(([k, v]) => ({ key: k, ...(v === null ? {} : { after: v }) })) : [];
    return {
      from: version - 1,
      to: version,
      added: step.added.map((m: Message) => messageLine(m)),
      removed: step.removed.map((m: Message) => messageLine(m)),
      ...(step.summaryChanged ? { summary: { before: '', after: step.summary } } : {}),
      metadata,
    };
  }
  return undefined;
}
