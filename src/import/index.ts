import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { SessionLog } from '../engine/session-log.js';
import { invalid } from '../errors.js';
import { applyImage } from './apply.js';
import { imageOf, isOpenclawNoise, parseSessionsIndex, parseTranscript } from './openclaw.js';
import { classifyPicoclawFile, parseJsonlFile, parseLegacyFile } from './picoclaw.js';
import type { ImportOptions, ImportProblem, ImportReport, SessionImage } from './types.js';

/**
 * Importers for the stores picoclaw and openclaw users already have. Source files are only ever
 * read. Every unreadable file is reported and skipped; the rest still imports.
 */

interface Plan {
  images: SessionImage[];
  problems: ImportProblem[];
  ignored: string[];
  notes: Map<string, string>;
}

function readText(file: string, problems: ImportProblem[]): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    problems.push({ file, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, fatal: true });
    return undefined;
  }
}

/** stat, or a reported problem (a dangling link, a file that vanished, no permission). */
function statOrReport(file: string, problems: ImportProblem[]): Stats | undefined {
  try {
    return statSync(file);
  } catch (error) {
    problems.push({ file, reason: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, fatal: true });
    return undefined;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function requireDir(source: string): string {
  const dir = resolve(source);
  if (!isDir(dir)) invalid(`${source} is not a directory`);
  return dir;
}

/** A sessions folder, a workspace (its sessions/), or the picoclaw home (every workspace*\/sessions). */
export function picoclawFolders(source: string): string[] {
  const dir = requireDir(source);
  if (isDir(join(dir, 'sessions'))) return [join(dir, 'sessions')];
  const workspaces = readdirSync(dir).filter((n) => n.startsWith('workspace') && isDir(join(dir, n, 'sessions'))).sort();
  if (workspaces.length > 0) return workspaces.map((w) => join(dir, w, 'sessions'));
  return [dir];
}

/** An agent's sessions folder (has sessions.json), or the state directory (every agents/*\/sessions). */
export function openclawFolders(source: string): string[] {
  const dir = requireDir(source);
  if (existsSync(join(dir, 'sessions.json'))) return [dir];
  if (existsSync(join(dir, 'sessions', 'sessions.json'))) return [join(dir, 'sessions')];
  const agents = join(dir, 'agents');
  if (isDir(agents)) {
    const found = readdirSync(agents).sort().map((a) => join(agents, a, 'sessions')).filter((s) => existsSync(join(s, 'sessions.json')));
    if (found.length > 0) return found;
  }
  invalid(`${source} holds no openclaw sessions.json (give an agent's sessions folder or the state directory)`);
}

function planPicoclaw(folders: string[]): Plan {
  const plan: Plan = { images: [], problems: [], ignored: [], notes: new Map() };
  const byKey = new Map<string, SessionImage>();
  for (const folder of folders) {
    const names = readdirSync(folder).sort();
    const nameSet = new Set(names);
    const legacy: SessionImage[] = [];
    const jsonl: SessionImage[] = [];
    for (const name of names) {
      const file = join(folder, name);
      const kind = classifyPicoclawFile(name);
      const stat = statOrReport(file, plan.problems);
      if (stat === undefined) continue;
      if (kind === 'ignored' || !stat.isFile()) {
        plan.ignored.push(file);
        continue;
      }
      if (kind === 'meta') {
        if (!nameSet.has(name.replace(/\.meta\.json$/, '.jsonl'))) plan.problems.push({ file, reason: 'meta file without its .jsonl transcript; not imported', fatal: true });
        continue;
      }
      const text = readText(file, plan.problems);
      if (text === undefined) continue;
      const mtime = stat.mtimeMs;
      const parsed =
        kind === 'jsonl'
          ? (() => {
              const metaName = name.replace(/\.jsonl$/, '.meta.json');
              const metaFile = join(folder, metaName);
              const metaText = nameSet.has(metaName) ? readText(metaFile, plan.problems) : undefined;
              return parseJsonlFile(file, text, metaFile, metaText, mtime);
            })()
          : parseLegacyFile(file, text, mtime);
      plan.problems.push(...parsed.problems);
      if (parsed.image === undefined) continue;
      if (parsed.dropped > 0) plan.notes.set(parsed.image.key, `${parsed.dropped} transient thought${parsed.dropped === 1 ? '' : 's'} left out`);
      (kind === 'jsonl' ? jsonl : legacy).push(parsed.image);
    }
    // JSONL is the newer format: where one folder has both for a key, the legacy file is superseded.
    const inFolder = new Map<string, SessionImage>();
    for (const image of jsonl) inFolder.set(image.key, image);
    for (const image of legacy) {
      if (inFolder.has(image.key)) plan.ignored.push(...image.files);
      else inFolder.set(image.key, image);
    }
    for (const image of inFolder.values()) {
      const other = byKey.get(image.key);
      if (other === undefined) byKey.set(image.key, image);
      else plan.problems.push({ file: image.files[0] as string, reason: `session ${JSON.stringify(image.key)} is also in ${other.files[0]}; this copy was not imported`, fatal: true });
    }
  }
  plan.images = [...byKey.values()];
  return plan;
}

function planOpenclaw(folders: string[]): Plan {
  const plan: Plan = { images: [], problems: [], ignored: [], notes: new Map() };
  for (const folder of folders) {
    const indexFile = join(folder, 'sessions.json');
    const text = readText(indexFile, plan.problems);
    if (text === undefined) continue;
    const index = parseSessionsIndex(indexFile, text);
    plan.problems.push(...index.problems);
    const used = new Set<string>([indexFile]);
    for (const [key, entry] of index.entries) {
      const sessionId = entry['sessionId'] as string;
      const declared = typeof entry['sessionFile'] === 'string' ? entry['sessionFile'] : undefined;
      const candidates = [declared === undefined ? undefined : isAbsolute(declared) ? declared : join(folder, declared), join(folder, `${sessionId}.jsonl`)];
      const file = candidates.find((c): c is string => c !== undefined && isFile(c));
      if (declared !== undefined && file !== candidates[0]) plan.notes.set(key, `sessionFile ${declared} does not exist${file ? `; used ${basename(file)}` : ''}`);
      if (file === undefined) {
        plan.images.push(imageOf(key, entry, undefined, [indexFile]));
        if (!plan.notes.has(key)) plan.notes.set(key, 'no transcript: metadata only');
        continue;
      }
      used.add(file);
      const transcriptText = readText(file, plan.problems);
      if (transcriptText === undefined) continue;
      const { transcript, problems } = parseTranscript(file, transcriptText);
      plan.problems.push(...problems);
      if (transcript.abandoned > 0) plan.notes.set(key, `${transcript.abandoned} entr${transcript.abandoned === 1 ? 'y' : 'ies'} on abandoned branches left out`);
      plan.images.push(imageOf(key, entry, transcript, [indexFile, file]));
    }
    for (const name of readdirSync(folder).sort()) {
      const file = join(folder, name);
      if (used.has(file)) continue;
      if (isOpenclawNoise(name) || !name.endsWith('.jsonl')) plan.ignored.push(file);
      else plan.problems.push({ file, reason: 'transcript not referenced by sessions.json (its key is unknown); not imported', fatal: false });
    }
  }
  return plan;
}

async function run(log: SessionLog, source: string, format: 'picoclaw' | 'openclaw', plan: Plan, options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const report: ImportReport = { source: resolve(source), format, dryRun: options.dryRun === true, sessions: [], problems: plan.problems, ignored: plan.ignored, durationMs: 0 };
  const concurrency = Math.max(1, options.concurrency ?? 16);
  let next = 0;
  let done = 0;
  const results: ImportReport['sessions'] = new Array(plan.images.length);
  const worker = async (): Promise<void> => {
    while (next < plan.images.length) {
      const i = next++;
      const image = plan.images[i] as SessionImage;
      try {
        const r = await applyImage(log, image, format, options.dryRun === true);
        const note = [plan.notes.get(image.key), r.note].filter(Boolean).join('; ');
        results[i] = note ? { ...r, note } : r;
      } catch (error) {
        results[i] = { key: image.key, status: 'skipped', messages: 0, archived: 0, events: 0, files: image.files, note: (error as Error).message };
        report.problems.push({ file: image.files[image.files.length - 1] as string, reason: `not imported: ${(error as Error).message}`, fatal: true });
      }
      options.onProgress?.(++done, plan.images.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, plan.images.length) }, worker));
  report.sessions = results;
  report.durationMs = performance.now() - started;
  return report;
}

/** Imports picoclaw sessions (legacy JSON and JSONL) from a sessions folder, a workspace or the picoclaw home. */
export async function importPicoclaw(log: SessionLog, source: string, options: ImportOptions = {}): Promise<ImportReport> {
  return run(log, source, 'picoclaw', planPicoclaw(picoclawFolders(source)), options);
}

/** Imports openclaw sessions from an agent's sessions folder or the state directory. */
export async function importOpenclaw(log: SessionLog, source: string, options: ImportOptions = {}): Promise<ImportReport> {
  return run(log, source, 'openclaw', planOpenclaw(openclawFolders(source)), options);
}
