import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { chmod, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { TurnlogError } from '../errors.js';
import { DATA_FILE, fsError, LOCK_FILE, PARTIAL_BACKUP_DIR, unlinkQuietly } from './store-files.js';

/**
 * A backup is complete or refused. It is written inside `DEST/.turnlog-backup-partial` (owner-only
 * directory, so no other user can open a file in it from its first byte), synced, and then moved
 * out file by file (`data.mdb` first, see backupMoveOrder), the partial directory removed last.
 * A process killed part-way leaves DEST holding the partial directory, which opening refuses as
 * CORRUPT ("an unfinished backup") instead of starting a new empty store there; the advice is to
 * delete DEST whole and back up again.
 */

/** Checks DEST (new, or an empty directory) and makes its partial directory; returns that. */
export function startBackup(dest: string, store: string): string {
  if (lstatSync(dest, { throwIfNoEntry: false })?.isSymbolicLink() === true) {
    throw new TurnlogError('INVALID_ARGUMENT', `backup destination ${dest} is a symbolic link: name the directory itself`);
  }
  const inside = relative(realPathOf(store), realPathOf(dest));
  if (inside === '' || !(inside === '..' || inside.startsWith('../'))) {
    throw new TurnlogError('INVALID_ARGUMENT', `backup destination ${dest} is inside the store ${store}`);
  }
  if (existsSync(dest)) {
    if (!statSync(dest).isDirectory() || readdirSync(dest).length > 0) {
      const partial = existsSync(join(dest, PARTIAL_BACKUP_DIR)) ? ` (it holds ${PARTIAL_BACKUP_DIR} from an interrupted backup: delete ${dest} with everything in it and back up again)` : '';
      throw new TurnlogError('INVALID_ARGUMENT', `backup destination ${dest} exists and is not an empty directory${partial}`);
    }
  }
  const partial = join(dest, PARTIAL_BACKUP_DIR);
  try {
    mkdirSync(dest, { recursive: true, mode: 0o700 });
    mkdirSync(partial, { mode: 0o700 });
  } catch (error) {
    throw fsError('create the backup directory', dest, error);
  }
  return partial;
}

/** The real path of `path`, or of its nearest existing ancestor joined with the rest. */
function realPathOf(path: string): string {
  const full = resolve(path);
  try {
    return realpathSync(full);
  } catch {
    const parent = dirname(full);
    return parent === full ? full : join(realPathOf(parent), basename(full));
  }
}

/**
 * The order files leave the partial directory: `data.mdb` first. An interruption after some
 * moves must never leave DEST openable as something other than the backup, even once the
 * partial directory is deleted by hand: with `data.mdb` in DEST and `turnlog.key` not yet, the
 * data file's encryption flag disagrees with the missing key file (refused as CORRUPT); the
 * other way round, a lone `turnlog.key` would count as what a creation leaves, and DEST would
 * open as a new, empty store under that key. The partial directory itself goes last and keeps
 * DEST refused until every file is in place.
 */
export function backupMoveOrder(names: readonly string[]): string[] {
  return [DATA_FILE, ...names.filter((n) => n !== DATA_FILE)];
}

/**
 * Makes the finished copy in `partial` DEST's store: owner-only files, synced, moved in
 * `backupMoveOrder`. Every sync, move and removal runs on libuv's threads: a sync of a large
 * copy (or of a directory, on a slow disk) would otherwise hold the event loop for as long.
 */
export async function finishBackup(partial: string, dest: string): Promise<void> {
  try {
    unlinkQuietly(join(partial, LOCK_FILE)); // a logical copy's lock file: not part of a backup
    const names = await readdir(partial);
    if (!names.includes(DATA_FILE)) throw new Error(`the copy wrote no ${DATA_FILE}`);
    for (const name of names) {
      await chmod(join(partial, name), 0o600);
      await syncPath(join(partial, name));
    }
    // Each move is made durable before the next, so that a power loss keeps a prefix of the order.
    for (const name of backupMoveOrder(names)) {
      await rename(join(partial, name), join(dest, name));
      await syncPath(dest);
      await syncPath(partial);
    }
    await rm(partial, { recursive: true, force: true });
    await syncPath(dest);
  } catch (error) {
    throw fsError('finish the backup in', dest, error);
  }
}

/** fsync of a file or directory, off the event loop. */
async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** After a failed copy: removes the partial directory, and DEST too when the backup made it and it is empty. */
export function abandonBackup(partial: string, dest: string, destExisted: boolean): void {
  rmSync(partial, { recursive: true, force: true });
  if (!destExisted) {
    try {
      if (readdirSync(dest).length === 0) rmSync(dest, { recursive: true, force: true });
    } catch {
      // gone already
    }
  }
}

/**
 * Copies holding the umask at 077, over every log of this process. The first one in saves the
 * host's umask and the last one out restores it: a copy that saved and restored on its own
 * would, when two overlap, save the other's 077 and put it back for good.
 */
let privateUmaskHolders = 0;
let hostUmask = 0;

/** Sets the umask to 077 for one more holder; false where the umask cannot be changed (a worker thread). */
function holdPrivateUmask(): boolean {
  if (privateUmaskHolders === 0) {
    try {
      hostUmask = process.umask(0o077);
    } catch {
      return false;
    }
  }
  privateUmaskHolders++;
  return true;
}

function releasePrivateUmask(): void {
  privateUmaskHolders--;
  if (privateUmaskHolders === 0) process.umask(hostUmask);
}

/**
 * The binding's file copy creates its file with mode 0666 less the umask, on its own thread. So
 * that the file is owner-only from its first byte, the umask is 077 from the call until the file
 * exists (a turn or two of the event loop; files the host creates meanwhile are owner-only too),
 * then restored once no other backup of this process still needs it. In a worker thread the
 * umask cannot be changed: the owner-only directory alone keeps others out.
 */
export async function withPrivateUmask(file: string, copy: () => Promise<void>): Promise<void> {
  let holding = holdPrivateUmask();
  const release = (): void => {
    if (holding) releasePrivateUmask();
    holding = false;
  };
  let settled = false;
  let copying: Promise<void>;
  try {
    copying = copy();
  } catch (error) {
    release();
    throw error;
  }
  const done = copying.then(
    () => void (settled = true),
    () => void (settled = true),
  );
  try {
    while (!settled && !existsSync(file)) await Promise.race([done, new Promise((resolve) => setImmediate(resolve))]);
  } finally {
    release();
  }
  await copying;
}
