import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { imageOf, isOpenclawNoise, parseSessionsIndex, parseTranscript } from './openclaw.js';
import { checkSourceFile, exists, readSourceFile } from './source-files.js';
import type { SourceScope } from './source-files.js';
import type { ImportProblem, Plan } from './types.js';

type Transcript = { file: string; note?: string } | { problem: string } | { none: string };

/**
 * Which transcript an entry uses: its `sessionFile` (absolute or relative to the folder), else
 * `<sessionId>.jsonl` beside the index. A path that leads outside the source folder is not
 * followed (unless allowed); when the folder has the transcript under its own name, that is used.
 */
function transcriptOf(scope: SourceScope, folder: string, entry: Record<string, unknown>): Transcript {
  const sessionId = entry['sessionId'] as string;
  const declared = typeof entry['sessionFile'] === 'string' && entry['sessionFile'] !== '' ? entry['sessionFile'] : undefined;
  const local = join(folder, `${sessionId}.jsonl`);
  let why: string | undefined;
  if (declared !== undefined) {
    const path = resolve(folder, declared);
    const checked = exists(path) ? checkSourceFile(scope, path) : undefined;
    if (checked === undefined) why = `sessionFile ${declared} does not exist`;
    else if (checked.ok) return { file: path };
    else if (checked.outside === true) why = `sessionFile ${declared} is outside the source folder: not followed`;
    else return { problem: `sessionFile ${declared} ${checked.reason}` };
  }
  // `<sessionId>.jsonl`: a session id is a file name, never a path.
  if (sessionId.includes('/') || sessionId.includes('\\') || sessionId === '.' || sessionId === '..') {
    return why === undefined ? { none: `sessionId ${JSON.stringify(sessionId)} is not a file name; no transcript read` } : { problem: `${why}, and sessionId ${JSON.stringify(sessionId)} is not a file name` };
  }
  if (exists(local)) return why === undefined ? { file: local } : { file: local, note: `${why}; used ${basename(local)}` };
  if (why !== undefined && why.endsWith('not followed')) return { problem: `${why}, and the folder has no ${basename(local)}` };
  return { none: why === undefined ? 'no transcript: metadata only' : `${why}; no transcript: metadata only` };
}

/** Reads openclaw agent sessions folders: sessions.json, then each entry's transcript. */
export function planOpenclaw(scope: SourceScope, folders: string[], problems: ImportProblem[]): Plan {
  const plan: Plan = { images: [], problems, ignored: [], notes: new Map() };
  for (const folder of folders) {
    const indexFile = join(folder, 'sessions.json');
    const index = readSourceFile(scope, indexFile);
    if (!index.ok) {
      plan.problems.push({ file: indexFile, subject: 'file', reason: `${index.reason}; nothing in this folder was imported`, fatal: true });
      continue;
    }
    const parsed = parseSessionsIndex(indexFile, index.text);
    plan.problems.push(...parsed.problems);
    const used = new Set<string>([indexFile]);
    for (const [key, entry] of parsed.entries) {
      const t = transcriptOf(scope, folder, entry);
      if ('problem' in t) {
        plan.problems.push({ file: indexFile, subject: 'entry', reason: `entry ${JSON.stringify(key)}: ${t.problem}; not imported`, fatal: true });
        continue;
      }
      if ('none' in t) {
        plan.images.push(imageOf(key, entry, undefined, [indexFile], index.mtimeMs));
        plan.notes.set(key, t.none);
        continue;
      }
      used.add(t.file);
      const read = readSourceFile(scope, t.file);
      if (!read.ok) {
        plan.problems.push({ file: t.file, subject: 'file', reason: `${read.reason}; session ${JSON.stringify(key)} was not imported`, fatal: true });
        continue;
      }
      const { transcript, problems: found } = parseTranscript(t.file, read.text);
      plan.problems.push(...found);
      const notes = [t.note, transcript.abandoned > 0 ? `${transcript.abandoned} entr${transcript.abandoned === 1 ? 'y' : 'ies'} on abandoned branches left out` : undefined];
      const note = notes.filter(Boolean).join('; ');
      if (note !== '') plan.notes.set(key, note);
      plan.images.push(imageOf(key, entry, transcript, [indexFile, t.file], read.mtimeMs));
    }
    for (const name of readdirSync(folder).sort()) {
      const file = join(folder, name);
      if (used.has(file)) continue;
      if (isOpenclawNoise(name) || !name.endsWith('.jsonl')) plan.ignored.push(file);
      else plan.problems.push({ file, subject: 'file', reason: 'transcript not referenced by sessions.json (its key is unknown); not imported', fatal: false });
    }
  }
  return plan;
}
