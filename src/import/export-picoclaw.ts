import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionLog } from '../engine/session-log.js';
import { TurnlogError } from '../errors.js';
import type { ImportProblem } from './types.js';

/** picoclaw's file-name sanitisation of a key (lossy: the key inside the meta file is the real one). */
export const picoclawFileName = (key: string): string => key.replace(/[:/\\]/g, '_');

export interface PicoclawExport {
  dir: string;
  sessions: number;
  messages: number;
  problems: ImportProblem[];
}

/** Replaces `file` atomically and durably: a temporary file, fsynced, renamed over it. */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * Writes picoclaw's JSONL + meta pairs for the current sessions into `dir` (new or empty), so a
 * user can go back: each session's visible history (skip 0), its summary and times. Two keys
 * that sanitise to the same file name cannot both live in a picoclaw folder: the second is
 * reported, not written.
 */
export function exportPicoclaw(log: SessionLog, dir: string, keys: Iterable<string>, onProgress?: (done: number) => void): PicoclawExport {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new TurnlogError('INVALID_ARGUMENT', `${dir} is not empty; export into a new or empty folder`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const out: PicoclawExport = { dir, sessions: 0, messages: 0, problems: [] };
  const taken = new Map<string, string>();
  let done = 0;
  for (const key of keys) {
    const info = log.getSession(key);
    if (info === undefined) continue;
    const name = picoclawFileName(key);
    const clash = taken.get(name);
    if (clash !== undefined || Buffer.byteLength(name) > 240) {
      out.problems.push({ file: join(dir, `${name}.jsonl`), reason: clash !== undefined ? `${JSON.stringify(key)} and ${JSON.stringify(clash)} map to the same picoclaw file name; ${JSON.stringify(key)} not exported` : `key too long for a file name; not exported`, fatal: true });
      continue;
    }
    taken.set(name, key);
    const history = log.getHistory(key);
    writeAtomic(join(dir, `${name}.jsonl`), history.map((m) => `${JSON.stringify(m)}\n`).join(''));
    const meta = { key, summary: info.summary, skip: 0, count: history.length, created_at: new Date(info.createdAt).toISOString(), updated_at: new Date(info.updatedAt).toISOString() };
    writeAtomic(join(dir, `${name}.meta.json`), `${JSON.stringify(meta, null, 2)}\n`);
    out.sessions++;
    out.messages += history.length;
    onProgress?.(++done);
  }
  return out;
}
