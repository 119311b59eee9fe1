import { realpathSync, statSync } from 'node:fs';
import { isInside } from './source-files.js';
import { isTurnlogError } from '../errors.js';
import { KNOWN_SCHEMA_VERSION, openAgentDatabase } from './openclaw-sqlite-db.js';
import type { OpenAgentDatabase } from './openclaw-sqlite-db.js';
import { findSqliteSources } from './openclaw-sqlite-sources.js';
import type { SqliteSources } from './openclaw-sqlite-sources.js';
import { isMissingPackage, loadSqlite, loadZstd } from './optional-deps.js';
import type { ZstdModule } from './optional-deps.js';
import { planAgentDatabase } from './plan-openclaw-sqlite.js';
import type { Plan } from './types.js';

/**
 * Plans an import from openclaw's SQLite databases. Each database is read whole, in one read
 * transaction, before anything is written; one that cannot be read adds nothing to the plan.
 * When the source is a single database, a file that is not an openclaw agent database is an
 * error (INVALID_ARGUMENT); in a state directory it is reported and the other agents imported.
 */
export function planOpenclawSqlite(sources: SqliteSources, plan: Plan, scope: { root: string; allowOutside: boolean }): void {
  loadSqlite(); // a missing driver is one clear error, not one problem per database
  let zstdModule: ZstdModule | undefined;
  const zstd = (): ZstdModule => (zstdModule ??= loadZstd());
  // keys already planned (agents of the state directory still on sessions.json) stay theirs
  const taken = new Map<string, string>(plan.images.map((i) => [i.key, i.files[0] ?? '']));
  plan.ignored.push(...sources.ignored);
  for (const { agentId, file } of sources.databases) {
    // as for files of the JSONL era: an agent folder that is a link out of the source is not read
    const real = sources.single || scope.allowOutside ? undefined : realpathSync(file);
    if (real !== undefined && !isInside(scope.root, real)) {
      plan.problems.push({ file, subject: 'file', reason: `leads outside the source folder (to ${real}); not read (allowOutsideSource / --follow-outside reads it)`, fatal: true });
      continue;
    }
    const own: Plan = { images: [], problems: [], ignored: [], notes: new Map(), warnings: [] };
    const keys = new Map(taken);
    try {
      const db = openAgentDatabase(file, agentId);
      try {
        if (db.schemaVersion > KNOWN_SCHEMA_VERSION) {
          own.warnings?.push(
            `${file}: schema version ${db.schemaVersion}${db.appVersion === undefined ? '' : ` (openclaw ${db.appVersion})`} is newer than the newest this importer knows (${KNOWN_SCHEMA_VERSION}, openclaw 2026.9); read with the columns it knows`,
          );
        }
        planAgentDatabase(db, zstd, own, keys, statSync(file).mtimeMs);
      } finally {
        db.close();
      }
    } catch (error) {
      if (isMissingPackage(error) || (sources.single && isTurnlogError(error, 'INVALID_ARGUMENT'))) throw error;
      const why = isTurnlogError(error) ? error.message.replace(`${file}: `, '').replace(`${file} `, '') : `cannot be read (${(error as Error).message})`;
      plan.problems.push({ file, subject: 'file', reason: `${why}; nothing from this database was imported`, fatal: true });
      continue;
    }
    for (const [k, v] of keys) taken.set(k, v);
    plan.images.push(...own.images);
    plan.problems.push(...own.problems);
    plan.warnings?.push(...(own.warnings ?? []));
    for (const [k, v] of own.notes) plan.notes.set(k, v);
  }
}

/**
 * Checks an openclaw source before anything else is done (the CLI runs it before opening the
 * store): a file, or an agent folder, must be an openclaw agent database this importer can read
 * (INVALID_ARGUMENT otherwise, naming what is wrong), and the packages it needs must be there
 * (fzstd only when some row is compressed). A JSONL-era source passes, and so does a database of
 * a state directory that cannot be read: the import reports it and imports the other agents.
 */
export function checkOpenclawSource(source: string): void {
  const sqlite = findSqliteSources(source);
  if (sqlite === undefined) return;
  loadSqlite();
  for (const { agentId, file } of sqlite.databases) {
    let db: OpenAgentDatabase;
    try {
      db = openAgentDatabase(file, agentId);
    } catch (error) {
      if (sqlite.single) throw error;
      continue; // reported by the import, which imports the other agents
    }
    try {
      if (db.hasCompressed()) loadZstd();
    } finally {
      db.close();
    }
  }
}
