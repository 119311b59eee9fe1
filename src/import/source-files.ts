import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { invalid } from '../errors.js';

/**
 * How importers read source files: only regular files, only up to a size limit, and only inside
 * the source folder unless allowed. A FIFO would block a read forever, a link to /dev/zero would
 * fill memory, and a link or a `sessionFile` path may point anywhere on the machine; each becomes
 * a reported problem instead. Nothing here throws for a bad file.
 */

/** Default `maxFileBytes`: 256 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;
/** The largest accepted `maxFileBytes`: V8's longest string, so a file that fits always decodes. */
export const MAX_FILE_BYTES_LIMIT = 2 ** 29 - 24;

/** `maxFileBytes` as given, checked (INVALID_ARGUMENT otherwise), or the default. */
export function maxFileBytesOf(value: number | undefined): number {
  const max = value ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isSafeInteger(max) || max < 1 || max > MAX_FILE_BYTES_LIMIT) invalid(`maxFileBytes must be a whole number of bytes from 1 to ${MAX_FILE_BYTES_LIMIT}, not ${String(max)}`);
  return max;
}

/** Where an import may read. */
export interface SourceScope {
  /** The source folder as given (absolute): paths in reports start with it. */
  dir: string;
  /** The source folder as a real path (links resolved): what files must be inside. */
  root: string;
  /** Follow links and paths that lead outside `root`. */
  allowOutside: boolean;
  maxFileBytes: number;
}

export type Checked = { ok: true; real: string; stat: Stats } | { ok: false; reason: string; outside?: true };
export type ReadOutcome = { ok: true; text: string; mtimeMs: number } | { ok: false; reason: string };

const errorCode = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/** True when `path` is `root` or below it. Both must be absolute and normalised. */
export function isInside(root: string, path: string): boolean {
  const r = relative(root, path);
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

export function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isDirectory()) return 'a directory';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return stat.isFile() ? 'a regular file' : 'not a regular file';
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 3 : 0)} MiB`;

/** True when something (a file, a link, even a dangling one) is at `path`. */
export function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether `path` may be read, without opening it: inside the scope, a regular file, small enough. */
export function checkSourceFile(scope: SourceScope, path: string): Checked {
  let real: string;
  let stat: Stats;
  try {
    real = realpathSync(path);
  } catch (error) {
    return { ok: false, reason: `cannot be read (${errorCode(error)})` };
  }
  if (!scope.allowOutside && !isInside(scope.root, real)) {
    return { ok: false, outside: true, reason: `leads outside the source folder (to ${real}); not read (allowOutsideSource / --follow-outside reads it)` };
  }
  try {
    stat = statSync(real);
  } catch (error) {
    return { ok: false, reason: `cannot be read (${errorCode(error)})` };
  }
  if (!stat.isFile()) return { ok: false, reason: `is ${kindOf(stat)}, not a regular file; not read` };
  if (stat.size > scope.maxFileBytes) return { ok: false, reason: tooLarge(scope.maxFileBytes) };
  return { ok: true, real, stat };
}

const tooLarge = (limit: number): string => `is larger than the ${mib(limit)} limit; not read (maxFileBytes / --max-file-mb raises it)`;

/**
 * The text of `path`, or why it was not read. The file is opened non-blocking and without
 * following a link (its real path was resolved and checked first), then checked again on the
 * open descriptor, so a file swapped for a FIFO or a device in between is refused too.
 */
export function readSourceFile(scope: SourceScope, path: string): ReadOutcome {
  const checked = checkSourceFile(scope, path);
  if (!checked.ok) return { ok: false, reason: checked.reason };
  let fd: number;
  try {
    fd = openSync(checked.real, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    return { ok: false, reason: `cannot be read (${errorCode(error)})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.ino !== checked.stat.ino || stat.dev !== checked.stat.dev) return { ok: false, reason: 'was replaced while being read; not read' };
    const limit = scope.maxFileBytes;
    const chunks: Buffer[] = [];
    let total = 0;
    // Read to the end, but never more than limit + 1 bytes: a file that grows is still bounded.
    for (;;) {
      const want = Math.min(total < stat.size ? stat.size - total + 1 : 1024 * 1024, limit + 1 - total);
      if (want <= 0) return { ok: false, reason: tooLarge(limit) };
      const buf = Buffer.allocUnsafe(want);
      const n = readSync(fd, buf, 0, want, null);
      if (n === 0) break;
      chunks.push(n === want ? buf : buf.subarray(0, n));
      total += n;
    }
    return { ok: true, text: Buffer.concat(chunks, total).toString('utf8'), mtimeMs: stat.mtimeMs };
  } catch (error) {
    return { ok: false, reason: `cannot be read (${errorCode(error)})` };
  } finally {
    closeSync(fd);
  }
}

/** A single file given by the user (a jsonl dump): regular and within the limit, wherever it is. */
export function readRegularFile(path: string, maxFileBytes?: number): ReadOutcome {
  return readSourceFile({ dir: '/', root: '/', allowOutside: true, maxFileBytes: maxFileBytesOf(maxFileBytes) }, path);
}
