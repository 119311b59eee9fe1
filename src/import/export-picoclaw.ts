import { invalid } from '../errors.js';
import { checkOptionKeys, optionNames } from '../core/validate.js';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { SessionLog } from '../engine/session-log.js';
import { TurnlogError } from '../errors.js';
import { makePacer } from './export-jsonl.js';
import { currentState } from './session-state.js';
import { classifyPicoclawFile } from './picoclaw.js';
import { TempFile } from './safe-output.js';
import type { ImportProblem } from './types.js';

/** picoclaw's file-name sanitisation of a key (lossy: the key inside the meta file is the real one). */
export const picoclawFileName = (key: string): string => key.replace(/[:/\\]/g, '_');

/** File names are at most 255 bytes; the longest suffix is `.meta.json`. */
const MAX_STEM_BYTES = 255 - '.meta.json'.length;
const HASH_CHARS = 16;

export interface PicoclawExport {
  dir: string;
  sessions: number;
  messages: number;
  /** fatal: the session was not exported; otherwise a note (e.g. the file name picoclaw would not use). */
  problems: ImportProblem[];
}

export interface PicoclawExportOptions {
  /** Called after each session with the number of sessions done. Default: none. */
  onProgress?: (done: number) => void;
}

const PICOCLAW_EXPORT_OPTION_NAMES = optionNames<PicoclawExportOptions>()(['onProgress']);

/** True when picoclaw's own name for a key is a file the importer reads back, inside the folder. */
function usableStem(stem: string): boolean {
  return stem !== '' && !stem.includes('\0') && classifyPicoclawFile(`${stem}.jsonl`) === 'jsonl' && Buffer.byteLength(stem) <= MAX_STEM_BYTES;
}

/**
 * A name for a key picoclaw's sanitisation cannot give a usable file (`.`, `..`, `.hidden`, NUL,
 * too long) or that another key already took: the sanitised key made safe (no NUL, no leading
 * dot) and cut to fit, plus a digest of the key, so that distinct keys get distinct names.
 */
export function fallbackStem(key: string): string {
  const digest = createHash('sha256').update(key).digest('hex').slice(0, HASH_CHARS);
  const safe = picoclawFileName(key).replace(/\0/g, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length));
  let cut = '';
  for (const ch of safe) {
    if (Buffer.byteLength(cut + ch) > MAX_STEM_BYTES - HASH_CHARS - 1) break;
    cut += ch;
  }
  return `${cut}~${digest}`;
}

function prepareFolder(dir: string): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    st = undefined;
  }
  if (st !== undefined) {
    if (st.isSymbolicLink()) throw new TurnlogError('INVALID_ARGUMENT', `${dir} is a symbolic link; give the folder itself`);
    if (!st.isDirectory()) throw new TurnlogError('INVALID_ARGUMENT', `${dir} is not a directory`);
    if (readdirSync(dir).length > 0) throw new TurnlogError('INVALID_ARGUMENT', `${dir} is not empty; export into a new or empty folder`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Replaces `file` atomically: a temporary file (short random name, created exclusively,
 * owner-only), fsynced, renamed over it. Refuses a directory, a link or a device at `file`;
 * leaves no temporary file behind on error.
 */
export function writeAtomic(file: string, text: string): void {
  const tmp = new TempFile(dirname(resolve(file)));
  try {
    tmp.write(text);
    tmp.commitReplacing(resolve(file), { syncFolder: false });
  } finally {
    tmp.discard();
  }
}

/** Writes `text` as `dir/name`, never replacing an entry; false when the name is taken. */
function writeNew(dir: string, name: string, text: string): boolean {
  const file = resolve(dir, name);
  // The stem never holds a separator: this only guards the rule that nothing lands outside `dir`.
  if (dirname(file) !== dir || basename(file) !== name) throw new TurnlogError('INVALID_ARGUMENT', `${JSON.stringify(name)} is not a plain file name`);
  const tmp = new TempFile(dir);
  try {
    tmp.write(text);
    return tmp.commitNew(file);
  } finally {
    tmp.discard();
  }
}

/**
 * Writes picoclaw's JSONL + meta pairs for the current sessions into `dir` (new or empty), so a
 * user can go back: each session's visible history (skip 0), its summary, times, and picoclaw's
 * `scope` and `aliases` when the session has them. A key goes under picoclaw's own file name
 * when that name is usable and free; otherwise under a safe name with a digest of the key
 * (reported as a note): the key inside the meta file is what an importer reads. Files are written
 * under a temporary name, never replace anything, and never leave the folder.
 */
export async function exportPicoclaw(log: SessionLog, dir: string, keys: Iterable<string>, options: PicoclawExportOptions = {}): Promise<PicoclawExport> {
  checkOptionKeys('export options', options, PICOCLAW_EXPORT_OPTION_NAMES);
  if (typeof dir !== 'string' || dir.length === 0) invalid('dir must be a non-empty path');
  if (keys === null || typeof (keys as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function' || typeof keys === 'string') invalid('keys must be an iterable of session keys (strings)');
  const folder = resolve(dir);
  prepareFolder(folder);
  const out: PicoclawExport = { dir: folder, sessions: 0, messages: 0, problems: [] };
  const all = [...keys];
  if (all.some((k) => typeof k !== 'string')) invalid('keys must be an iterable of session keys (strings)');
  // picoclaw's own names first, in key order: a key that needs another name never takes one.
  const stems = new Map<string, string>();
  const taken = new Set<string>();
  for (const key of all) {
    const stem = picoclawFileName(key);
    if (usableStem(stem) && !taken.has(stem)) {
      stems.set(key, stem);
      taken.add(stem);
    }
  }
  let done = 0;
  const step = makePacer();
  for (const key of all) {
    const state = await currentState(log, key);
    if (state !== undefined) {
      const { info, messages: history } = state;
      const meta: Record<string, unknown> = { key, summary: info.summary, skip: 0, count: history.length, created_at: new Date(info.createdAt).toISOString(), updated_at: new Date(info.updatedAt).toISOString() };
      for (const field of ['scope', 'aliases']) if (info.metadata[field] !== undefined) meta[field] = info.metadata[field];
      const jsonl = history.map((m) => `${JSON.stringify(m)}\n`).join('');
      const metaText = `${JSON.stringify(meta, null, 2)}\n`;
      const own = stems.get(key);
      const candidates = own === undefined ? [fallbackStem(key)] : [own, fallbackStem(key)];
      let written: string | undefined;
      for (const stem of candidates) {
        if (!writeNew(folder, `${stem}.jsonl`, jsonl)) continue;
        if (writeNew(folder, `${stem}.meta.json`, metaText)) {
          written = stem;
          break;
        }
        rmSync(join(folder, `${stem}.jsonl`), { force: true }); // ours: its meta name was taken
      }
      if (written === undefined) {
        out.problems.push({ file: join(folder, `${candidates[0]}.jsonl`), reason: `${JSON.stringify(key)}: no free file name in ${folder}; not exported`, fatal: true });
      } else {
        if (written !== picoclawFileName(key)) {
          out.problems.push({ file: join(folder, `${written}.jsonl`), reason: `${JSON.stringify(key)}: picoclaw's file name for it (${JSON.stringify(picoclawFileName(key))}) is unusable or taken; written as ${written}.jsonl (turnlog imports it by the key inside)`, fatal: false });
        }
        out.sessions++;
        out.messages += history.length;
      }
    }
    options.onProgress?.(++done);
    await step(); // signals (Ctrl-C) are handled between sessions
  }
  return out;
}
