import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, fstatSync, fsyncSync, linkSync, lstatSync, openSync, rmdirSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { TurnlogError } from '../errors.js';

/**
 * The files of a store and the file-system steps around them. LMDB maps `lock.mdb` and
 * `data.mdb` into memory: a file that is not what LMDB expects (a FIFO, a directory, a link to a
 * device) or a mapped page the disk cannot back (a hole in a sparse file on a full disk) kills
 * the process with SIGSEGV or SIGBUS instead of returning an error. So every file is checked,
 * and every file turnlog makes is written in full under a temporary name, synced, and linked
 * into place, before LMDB sees it.
 */
export const DATA_FILE = 'data.mdb';
export const LOCK_FILE = 'lock.mdb';
export const KEY_CHECK_FILE = 'turnlog.key';
/** A backup is written in this subdirectory of its destination, then moved out of it file by file. */
export const PARTIAL_BACKUP_DIR = '.turnlog-backup-partial';
/** Prefix of temporary files turnlog writes beside a store's files (left only by a killed process). */
export const TEMP_PREFIX = '.turnlog-tmp-';

/**
 * The size LMDB gives `lock.mdb` with its default 126 readers: a 272-byte header and 125
 * reader slots of 64 bytes. Larger is fine (LMDB then allows more readers); smaller is grown.
 */
export const LOCK_FILE_BYTES = 8272;
/** A lock file larger than this (over a million reader slots) is not one LMDB made. */
export const MAX_LOCK_FILE_BYTES = 64 * 1024 * 1024;
/** A key-check file is one line of 64 hex digits; anything much larger is not ours. */
export const MAX_KEY_FILE_BYTES = 4096;
/** Free space a new store needs before anything is created: its first pages, lock file and key file. */
export const CREATE_RESERVE_BYTES = 256 * 1024;

const WHY: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ENOENT: 'no such file or directory',
};

/** A file-system failure as IO_ERROR naming the path and the reason. */
export function fsError(action: string, path: string, error: unknown): TurnlogError {
  if (error instanceof TurnlogError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  const why = (code !== undefined ? WHY[code] : undefined) ?? (error as Error)?.message ?? String(error);
  return new TurnlogError('IO_ERROR', `cannot ${action} ${path}: ${why}${code ? ` (${code})` : ''}`, { cause: error });
}

export function notAStore(path: string, why: string): never {
  throw new TurnlogError('CORRUPT', `${path} is not a turnlog store: ${why}; it was left untouched`);
}

/** A file of a store that LMDB or turnlog cannot safely open. */
export function badStoreFile(file: string, why: string): never {
  throw new TurnlogError('CORRUPT', `the store file ${file} cannot be used: ${why}; nothing was changed`);
}

export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException)?.code;
}

/** lstat without following links; undefined when the name does not exist. */
export function lstatOrMissing(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw fsError('read', file, error);
  }
}

/** A file LMDB or turnlog will open must be a plain regular file, reached without a link. */
export function checkRegularFile(file: string, stat: Stats, maxBytes: number): void {
  if (stat.isSymbolicLink()) badStoreFile(file, 'it is a symbolic link (a store keeps its own files)');
  if (!stat.isFile()) badStoreFile(file, 'it is not a regular file');
  if (stat.size > maxBytes) badStoreFile(file, `it is ${stat.size} bytes, more than the ${maxBytes} such a file can hold`);
}

/** Throws IO_ERROR unless `mode` access (constants.R_OK…) is granted. */
export function checkAccess(file: string, mode: number, action: string): void {
  try {
    accessSync(file, mode);
  } catch (error) {
    throw fsError(action, file, error);
  }
}

export const RW = constants.R_OK | constants.W_OK;
export const DIR_RWX = constants.R_OK | constants.W_OK | constants.X_OK;

/** Why a directory could not be made under `path`: the first existing ancestor tells (read-only, denied). */
export function whyNoDir(path: string, error: unknown): unknown {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    try {
      accessSync(dir, constants.F_OK);
    } catch {
      if (dir === dirname(dir)) return error;
      continue;
    }
    try {
      accessSync(dir, constants.W_OK | constants.X_OK);
    } catch (denied) {
      return denied;
    }
    return error;
  }
}

/** Bytes the caller may still write on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

export function requireFreeSpace(dir: string, bytes: number, what: string): void {
  let free: number;
  try {
    free = freeBytes(dir);
  } catch (error) {
    throw fsError('inspect the file system of', dir, error);
  }
  if (free < bytes) {
    throw new TurnlogError('IO_ERROR', `cannot ${what} in ${dir}: no space left on the device (${free} bytes free, ${bytes} needed); nothing was written`);
  }
}

export function tempName(dir: string, label: string): string {
  return join(dir, `${TEMP_PREFIX}${label}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone, or never made
  }
}

export function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (someone else's files) or already gone: leave it
  }
}

/** fsync of a directory, so that names linked or renamed in it survive a power loss. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function syncFile(file: string): void {
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `file` (which must not exist) owner-only, holding `content` with every block written
 * (no holes), synced. On failure the partial file is removed.
 */
export function writeNewFile(file: string, content: Uint8Array): void {
  const fd = openSync(file, 'wx', 0o600);
  try {
    let done = 0;
    while (done < content.length) done += writeSync(fd, content, done, content.length - done, done);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkQuietly(file);
    throw error;
  }
  closeSync(fd);
}

/**
 * Puts `content` at `file` atomically and without replacing anything: a temporary file is
 * written and synced, then hard-linked to the final name. Returns false when `file` already
 * existed (someone else made it first; the caller then checks theirs).
 */
export function placeNewFile(dir: string, file: string, content: Uint8Array, label: string): boolean {
  const temp = tempName(dir, label);
  try {
    writeNewFile(temp, content);
    try {
      linkSync(temp, file);
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') return false;
      throw error;
    }
    syncDir(dir);
    return true;
  } finally {
    unlinkQuietly(temp);
  }
}

/** Bytes of `file` not backed by disk blocks (holes LMDB would fault on if the disk is full). */
export function unbackedBytes(file: string, minSize: number): number {
  const fd = openSync(file, 'r');
  try {
    const s = fstatSync(fd);
    return Math.max(0, Math.max(s.size, minSize) - s.blocks * 512);
  } finally {
    closeSync(fd);
  }
}
