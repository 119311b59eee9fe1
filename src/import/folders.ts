import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { invalid } from '../errors.js';
import { exists, isInside, maxFileBytesOf } from './source-files.js';
import type { SourceScope } from './source-files.js';
import type { ImportOptions, ImportProblem } from './types.js';

/**
 * Which folders of a source hold sessions, and the scope an import may read in. A folder reached
 * through a link that leaves the source is reported and not read, like a file.
 */

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The scope of an import from `source` (which must be a directory), with the options checked. */
export function scopeOf(source: string, options: ImportOptions): SourceScope {
  const dir = resolve(source);
  if (!isDir(dir)) invalid(`${source} is not a directory`);
  return { dir, root: realpathSync(dir), allowOutside: options.allowOutsideSource === true, maxFileBytes: maxFileBytesOf(options.maxFileBytes) };
}

/** `folders` that are inside the scope; the others are reported. */
function keepInside(scope: SourceScope, folders: string[], problems: ImportProblem[]): string[] {
  if (scope.allowOutside) return folders;
  return folders.filter((f) => {
    const real = realpathSync(f);
    if (isInside(scope.root, real)) return true;
    problems.push({ file: f, subject: 'folder', reason: `leads outside the source folder (to ${real}); not read (allowOutsideSource / --follow-outside reads it)`, fatal: true });
    return false;
  });
}

/** A sessions folder, a workspace (its sessions/), or the picoclaw home (every workspace*\/sessions). */
export function picoclawFolders(scope: SourceScope, problems: ImportProblem[]): string[] {
  const dir = scope.dir;
  if (isDir(join(dir, 'sessions'))) return keepInside(scope, [join(dir, 'sessions')], problems);
  const workspaces = readdirSync(dir).filter((n) => n.startsWith('workspace') && isDir(join(dir, n, 'sessions'))).sort();
  if (workspaces.length > 0) return keepInside(scope, workspaces.map((w) => join(dir, w, 'sessions')), problems);
  return [dir];
}

/** An agent's sessions folder (has sessions.json), or the state directory (every agents/*\/sessions). */
export function openclawFolders(scope: SourceScope, source: string, problems: ImportProblem[]): string[] {
  const dir = scope.dir;
  if (exists(join(dir, 'sessions.json'))) return [dir];
  if (exists(join(dir, 'sessions', 'sessions.json'))) return keepInside(scope, [join(dir, 'sessions')], problems);
  const agents = join(dir, 'agents');
  if (isDir(agents)) {
    const found = readdirSync(agents).sort().map((a) => join(agents, a, 'sessions')).filter((s) => exists(join(s, 'sessions.json')));
    if (found.length > 0) return keepInside(scope, found, problems);
  }
  invalid(`${source} holds no openclaw sessions.json (give an agent's sessions folder or the state directory)`);
}
