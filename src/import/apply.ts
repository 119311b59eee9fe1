import { createHash } from 'node:crypto';
import type { SessionLog } from '../engine/session-log.js';
import { isTurnlogError } from '../errors.js';
import type { Message, WriteOptions } from '../types.js';
import type { ImportedSession, ImportRecency, SessionImage } from './types.js';

/** Metadata field that records what was imported, so a re-run can tell what is new. */
export const IMPORT_MARKER = 'turnlogImport';

interface Marker {
  source: string;
  /** Messages imported so far (archived included), and a digest of them in order. */
  messages: number;
  digest: string;
  archived: number;
  summary: string;
  /** Digest of the metadata imported with it. */
  meta: string;
  /** What the session's updatedAt counts from (absent in markers of earlier versions: 'source'). */
  recency?: ImportRecency;
  /** The source's last activity (ms), kept when `updatedAt` is the import time instead. */
  sourceUpdatedAt?: number;
}

const digestOf = (messages: readonly Message[]): string => {
  const h = createHash('sha256');
  for (const m of messages) h.update(JSON.stringify(m)).update('\n');
  return h.digest('hex').slice(0, 32);
};

const metaDigest = (image: SessionImage): string => createHash('sha256').update(JSON.stringify(image.metadata)).digest('hex').slice(0, 32);

type Step = { run: (log: SessionLog, opts: WriteOptions) => Promise<unknown>; at: number | undefined };

/**
 * Writes one session image. Idempotent: every event carries an id derived from what it holds,
 * so a re-run (or a run resumed after a crash) finds its events already applied and writes
 * nothing. A session imported before is updated only when the source grew by appending (the
 * imported messages are still its prefix); any other change is reported, not guessed.
 */
export async function applyImage(log: SessionLog, image: SessionImage, source: string, dryRun: boolean, recency: ImportRecency = 'source'): Promise<ImportedSession> {
  const base = { key: image.key, files: image.files, messages: image.messages.length - image.archived, archived: image.archived };
  const existing = await log.getSession(image.key);
  const previous = existing?.metadata[IMPORT_MARKER] as Marker | undefined;
  let from = 0;
  let recencyOnly = false;
  if (existing !== undefined && previous !== undefined) {
    if (previous.source !== source) return { ...base, status: 'skipped', events: 0, note: `already imported from ${previous.source}` };
    if ((await lastEventIsMarker(log, image.key, existing.version)) === false) return { ...base, status: 'skipped', events: 0, note: 'written to in turnlog since it was imported; not updated' };
    const prefix = image.messages.slice(0, previous.messages);
    if (image.messages.length < previous.messages || digestOf(prefix) !== previous.digest) {
      return { ...base, status: 'skipped', events: 0, note: 'the source changed other than by appending; not updated (import it under a new key or delete the session first)' };
    }
    const sameContent = image.messages.length === previous.messages && image.archived === previous.archived && image.summary === previous.summary && metaDigest(image) === previous.meta;
    // Only 'import' moves recency, and only once: a plain re-run never moves a session back in time.
    const recencyMoves = recency === 'import' && previous.recency !== 'import';
    if (sameContent && !recencyMoves) return { ...base, status: 'unchanged', events: 0 };
    recencyOnly = sameContent;
    from = previous.messages;
  }
  const keptRecency: ImportRecency = recency === 'import' || previous?.recency === 'import' ? 'import' : 'source';
  const marker: Marker = { source, messages: image.messages.length, digest: digestOf(image.messages), archived: image.archived, summary: image.summary, meta: metaDigest(image) };
  if (keptRecency === 'import') Object.assign(marker, { recency: 'import', sourceUpdatedAt: image.updatedAt });
  const added = image.messages.slice(from);
  const steps: Step[] = [];
  if (added.length > 0) steps.push({ at: from === 0 ? image.createdAt : image.updatedAt, run: (l, o) => l.addMessages(image.key, added, o) });
  if (image.archived > (previous?.archived ?? 0)) {
    const keep = image.messages.length - image.archived;
    steps.push({ at: image.updatedAt, run: (l, o) => l.truncateHistory(image.key, keep, o) });
  }
  if (image.summary !== (previous?.summary ?? '') ) steps.push({ at: image.updatedAt, run: (l, o) => l.setSummary(image.key, image.summary, o) });
  // The marker is the last event: with recency 'import' it carries the log's clock (no `at`).
  steps.push({ at: keptRecency === 'import' ? undefined : image.updatedAt, run: (l, o) => l.updateMetadata(image.key, { ...image.metadata, [IMPORT_MARKER]: marker }, o) });
  if (dryRun) return { ...base, status: previous === undefined ? 'imported' : 'updated', events: steps.length };

  const runId = `${source}:${marker.digest}:${marker.meta}:${previous?.digest ?? 'new'}${keptRecency === 'import' ? `:${previous?.recency ?? 'source'}>import` : ''}`;
  let written = 0;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as Step;
    const opts: WriteOptions = { eventId: `import:${runId}:${i}`, ...(step.at === undefined ? {} : { at: step.at }) };
    // The first event must find the session as planned: new, or at the version that was read.
    if (i === 0) opts.expectedVersion = previous === undefined ? 0 : (existing?.version ?? 0);
    try {
      const r = (await step.run(log, opts)) as { duplicate?: boolean };
      if (r.duplicate !== true) written++;
    } catch (error) {
      if (i === 0 && isTurnlogError(error, 'CONFLICT')) {
        return { ...base, status: 'skipped', events: 0, note: 'a session with this key already exists in turnlog (not from this import); not touched' };
      }
      throw error;
    }
  }
  if (written === 0) return { ...base, status: 'unchanged', events: 0 };
  return { ...base, status: previous === undefined ? 'imported' : 'updated', events: written, ...(recencyOnly ? { note: 'idle time now counts from the import' } : {}) };
}

/**
 * True when nothing but this importer wrote to the session since its last import: its event at
 * `version` (the version the session was read at) is the import marker.
 */
async function lastEventIsMarker(log: SessionLog, key: string, version: number): Promise<boolean> {
  for await (const e of log.readEvents(key, { fromVersion: version, toVersion: version })) return e.type === 'metadata.updated' && IMPORT_MARKER in e.patch;
  return false;
}
