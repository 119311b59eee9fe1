import { readdirSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { badStoreFile, checkRegularFile, fsError, lstatOrMissing, TEMP_PREFIX } from './store-files.js';

/**
 * Hard links between store files. The type and size checks of store-files.ts cannot see them: a
 * hard link is a regular file of a sane size, only it is also someone else's file.
 */

/** checkRegularFile, and the file must be the only name of its inode (checkOnlyName). */
export function checkStoreFile(file: string, stat: Stats, maxBytes: number): void {
  checkRegularFile(file, stat, maxBytes);
  checkOnlyName(file, stat);
}

/** Rounds of "look again" before a second name of a store file counts as foreign. */
const LINK_CHECK_ROUNDS = 5;

/**
 * A store file with a second hard link is refused: a `lock.mdb` that is another store's
 * `data.mdb` has LMDB write its reader table over that store's meta pages (destroying it, or
 * crashing the process when it is this store's own data file), and two directories sharing one
 * `data.mdb` each have their own lock file, so nothing serialises their writers. The one
 * legitimate second name is turnlog's own: a creation writes a temporary file beside the store
 * and hard-links it into place, so for a moment (or for good, if that process was killed) a
 * `.turnlog-tmp-*` sibling shares the inode. Every link beyond those siblings is foreign. The
 * count is taken again a few times, as a creation in another process may unlink its temporary
 * file between our stat and our listing.
 */
export function checkOnlyName(file: string, stat: Stats): void {
  let current = stat;
  for (let round = 1; current.nlink > 1; round++) {
    const dir = dirname(file);
    let siblings = 0;
    try {
      for (const name of readdirSync(dir)) {
        if (!name.startsWith(TEMP_PREFIX)) continue;
        const other = lstatOrMissing(join(dir, name));
        if (other !== undefined && other.ino === current.ino && other.dev === current.dev) siblings++;
      }
    } catch (error) {
      throw fsError('list', dir, error);
    }
    if (current.nlink === 1 + siblings) return;
    const again = lstatOrMissing(file);
    if (again === undefined) return; // gone meanwhile: the checks that follow report a missing file
    const unchanged = again.ino === current.ino && again.dev === current.dev && again.nlink === current.nlink;
    if (round >= LINK_CHECK_ROUNDS || (unchanged && round >= 2)) {
      badStoreFile(file, `it has ${current.nlink} hard links: another name for the same file (outside turnlog's own temporary files) would share it without sharing this store's lock; keep a separate copy (cp) instead of a link`);
    }
    current = again;
  }
}

/** `data.mdb`, `lock.mdb` and `turnlog.key` must be three different files (a hard link could make them one). */
export function checkDistinctFiles(files: Array<[string, Stats | undefined]>): void {
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      const [a, sa] = files[i] as [string, Stats | undefined];
      const [b, sb] = files[j] as [string, Stats | undefined];
      if (sa !== undefined && sb !== undefined && sa.ino === sb.ino && sa.dev === sb.dev) badStoreFile(b, `it is the same file as ${a} (a hard link)`);
    }
  }
}
