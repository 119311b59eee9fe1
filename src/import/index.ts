import { checkOptionKeys } from '../core/validate.js';
import { IMPORT_OPTION_NAMES } from './types.js';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SessionLog } from '../engine/session-log.js';
import { invalid } from '../errors.js';
import { applyImage } from './apply.js';
import { openclawFolders, picoclawFolders, scopeOf } from './folders.js';
import { planOpenclaw } from './plan-openclaw.js';
import { planOpenclawSqlite } from './openclaw-sqlite.js';
import { findSqliteSources } from './openclaw-sqlite-sources.js';
import { maxFileBytesOf } from './source-files.js';
import { planPicoclaw } from './plan-picoclaw.js';
import { idleWarning } from './recency.js';
import { IMPORT_RECENCY } from './types.js';
import type { ImportOptions, ImportProblem, ImportRecency, ImportReport, Plan, SessionImage } from './types.js';

/**
 * Importers for the stores picoclaw and openclaw users already have. Source files are only ever
 * read, and only regular files inside the source folder (source-files.ts). Every unreadable file
 * is reported and skipped; the rest still imports.
 */

function recencyOf(options: ImportOptions): ImportRecency {
  const r = options.recency ?? 'source';
  if (!(IMPORT_RECENCY as readonly string[]).includes(r)) invalid(`recency must be ${IMPORT_RECENCY.map((x) => `'${x}'`).join(' or ')}, not ${JSON.stringify(r)}`);
  return r;
}

async function run(log: SessionLog, source: string, format: 'picoclaw' | 'openclaw', plan: Plan, options: ImportOptions, recency: ImportRecency): Promise<ImportReport> {
  const started = performance.now();
  const report: ImportReport = { source: resolve(source), format, dryRun: options.dryRun === true, sessions: [], problems: plan.problems, ignored: plan.ignored, warnings: [], durationMs: 0 };
  const concurrency = Math.max(1, options.concurrency ?? 16);
  let next = 0;
  let done = 0;
  const results: ImportReport['sessions'] = new Array(plan.images.length);
  const worker = async (): Promise<void> => {
    while (next < plan.images.length) {
      const i = next++;
      const image = plan.images[i] as SessionImage;
      try {
        const r = await applyImage(log, image, format, options.dryRun === true, recency);
        const note = [plan.notes.get(image.key), r.note].filter(Boolean).join('; ');
        results[i] = note ? { ...r, note } : r;
      } catch (error) {
        results[i] = { key: image.key, status: 'skipped', messages: 0, archived: 0, events: 0, files: image.files, note: (error as Error).message };
        report.problems.push({ file: image.files[image.files.length - 1] as string, subject: 'session', reason: `not imported: ${(error as Error).message}`, fatal: true });
      }
      options.onProgress?.(++done, plan.images.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, plan.images.length) }, worker));
  report.sessions = results;
  // The recency each written session got: read back (an earlier 'import' run sticks), or planned in a dry run.
  const written = new Set(results.filter((r) => r.status === 'imported' || r.status === 'updated').map((r) => r.key));
  const times: number[] = [];
  for (const image of plan.images) {
    if (!written.has(image.key) || recency === 'import') continue;
    const t = report.dryRun ? image.updatedAt : (await log.getSession(image.key))?.updatedAt;
    if (t !== undefined) times.push(t);
  }
  report.warnings?.push(...(plan.warnings ?? []));
  const warning = idleWarning(times, options.now ?? Date.now(), true);
  if (warning !== undefined) report.warnings?.push(warning);
  report.durationMs = performance.now() - started;
  return report;
}

/** Imports picoclaw sessions (legacy JSON and JSONL) from a sessions folder, a workspace or the picoclaw home. */
export async function importPicoclaw(log: SessionLog, source: string, options: ImportOptions = {}): Promise<ImportReport> {
  checkOptionKeys('import options', options, IMPORT_OPTION_NAMES);
  const recency = recencyOf(options);
  const scope = scopeOf(source, options);
  const problems: ImportProblem[] = [];
  return run(log, source, 'picoclaw', planPicoclaw(scope, picoclawFolders(scope, problems), problems), options, recency);
}

/**
 * Imports openclaw sessions. SQLite era (openclaw 2026.8 on): the state directory, an agent's
 * folder or its `openclaw-agent.sqlite`; JSONL era: an agent's sessions folder or the state
 * directory. Which one is found by looking, not asked.
 */
export async function importOpenclaw(log: SessionLog, source: string, options: ImportOptions = {}): Promise<ImportReport> {
  checkOptionKeys('import options', options, IMPORT_OPTION_NAMES);
  const recency = recencyOf(options);
  const problems: ImportProblem[] = [];
  const sqlite = findSqliteSources(source);
  if (sqlite === undefined) {
    const scope = scopeOf(source, options);
    return run(log, source, 'openclaw', planOpenclaw(scope, openclawFolders(scope, source, problems), problems), options, recency);
  }
  maxFileBytesOf(options.maxFileBytes); // checked the same in both eras
  // Agents of a state directory that never ran a SQLite-era openclaw: their sessions.json.
  const plan = sqlite.jsonlFolders.length > 0 ? planOpenclaw(scopeOf(source, options), sqlite.jsonlFolders, problems) : { images: [], problems, ignored: [], notes: new Map<string, string>() };
  plan.warnings ??= [];
  planOpenclawSqlite(sqlite, plan, { root: realpathSync(source), allowOutside: options.allowOutsideSource === true });
  return run(log, source, 'openclaw', plan, options, recency);
}
