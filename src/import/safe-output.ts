import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, lstatSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TurnlogError } from '../errors.js';

/**
 * Writing files at paths a user named (export outputs). Rules:
 * - A temporary file is created beside the target under a short random name
 *   (`.turnlog-<pid>-<random>.tmp`, whatever the target's length), exclusively (never through
 *   a link planted at that name) and owner-only from its first byte.
 * - The target may be a new name or an existing regular file, which is replaced atomically.
 *   A directory, a symbolic link, a device, a FIFO or a socket is refused, before anything is
 *   written and again right before the rename: a link is never written through or replaced.
 * - Every live temporary file is listed, so a signal handler can remove them (`removeTempFiles`).
 */

const live = new Set<string>();

const code = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch (error) {
    if (code(error) === 'ENOENT') return undefined;
    throw new TurnlogError('IO_ERROR', `cannot check ${path} (${code(error) ?? (error as Error).message})`, { cause: error });
  }
}

/** Throws INVALID_ARGUMENT unless `target` is a new name in an existing folder or a regular file. */
export function checkOutputFile(target: string): void {
  // `resolve()` drops a trailing '/' or '/.', which say the path is a directory: refuse them as given.
  if (/(^|[\\/])\.{0,2}$/.test(target)) throw new TurnlogError('INVALID_ARGUMENT', `${target} names a directory, not a file`);
  const st = lstatOrUndefined(target);
  if (st === undefined) {
    const parent = lstatOrUndefined(dirname(target));
    if (parent === undefined) throw new TurnlogError('INVALID_ARGUMENT', `${dirname(target)} does not exist`);
    if (!parent.isDirectory() && !parent.isSymbolicLink()) throw new TurnlogError('INVALID_ARGUMENT', `${dirname(target)} is not a directory`);
    return;
  }
  if (st.isSymbolicLink()) throw new TurnlogError('INVALID_ARGUMENT', `${target} is a symbolic link; give the file it points to (a link is never written through or replaced)`);
  if (st.isDirectory()) throw new TurnlogError('INVALID_ARGUMENT', `${target} is a directory; give a file name`);
  if (!st.isFile()) throw new TurnlogError('INVALID_ARGUMENT', `${target} is not a regular file (a device, FIFO or socket) and is never replaced; leave out --output to write to stdout`);
}

/** A temporary file being written; `commit` puts it in place, `discard` removes it. */
export class TempFile {
  readonly path: string;
  private fd: number | undefined;

  constructor(folder: string) {
    for (let attempt = 0; ; attempt++) {
      const path = join(folder, `.turnlog-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
      try {
        this.fd = openSync(path, 'wx', 0o600);
        this.path = path;
        live.add(path);
        return;
      } catch (error) {
        if (code(error) !== 'EEXIST' || attempt >= 5) throw new TurnlogError('IO_ERROR', `cannot create a file in ${folder} (${code(error) ?? (error as Error).message})`, { cause: error });
      }
    }
  }

  write(text: string): void {
    if (this.fd === undefined) throw new TurnlogError('IO_ERROR', `${this.path} is already closed`);
    const bytes = Buffer.from(text, 'utf8');
    for (let off = 0; off < bytes.length; ) off += writeSync(this.fd, bytes, off);
  }

  private close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * Replaces `target` (checked again first: see checkOutputFile). `syncFolder` (default true)
   * also flushes the folder entry, so the rename itself survives a power loss.
   */
  commitReplacing(target: string, options: { syncFolder?: boolean } = {}): void {
    this.close();
    checkOutputFile(target);
    renameSync(this.path, target);
    live.delete(this.path);
    if (options.syncFolder !== false) syncFolder(dirname(target));
  }

  /** Puts the file at `target` only if no entry of that name exists; false when one does. */
  commitNew(target: string): boolean {
    this.close();
    try {
      linkSync(this.path, target); // atomic, and never replaces: EEXIST also on case-folding file systems
    } catch (error) {
      if (code(error) === 'EEXIST') return false;
      throw error;
    }
    this.discard();
    return true;
  }

  discard(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed by the OS on a failed write: nothing to release
      }
      this.fd = undefined;
    }
    rmSync(this.path, { force: true });
    live.delete(this.path);
  }
}

function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // some file systems cannot fsync a directory; the rename itself is already atomic
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Removes every temporary file still being written (for signal and exit handlers: synchronous). */
export function removeTempFiles(): void {
  for (const path of live) {
    try {
      unlinkSync(path);
    } catch {
      // gone already
    }
    live.delete(path);
  }
}

/**
 * Until the returned function is called: on SIGINT, SIGTERM or SIGHUP, removes the temporary
 * files and ends the process by the same signal (its exit status says so); on exit, removes them.
 * For the CLI: a library leaves its host's signals alone.
 */
export function removeTempFilesOnSignals(): () => void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (signal: NodeJS.Signals): void => {
    removeTempFiles();
    uninstall();
    process.kill(process.pid, signal);
  };
  const uninstall = (): void => {
    for (const s of signals) process.off(s, onSignal);
    process.off('exit', removeTempFiles);
  };
  for (const s of signals) process.on(s, onSignal);
  process.on('exit', removeTempFiles);
  return uninstall;
}
