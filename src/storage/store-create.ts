import { chmodSync, existsSync, linkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { open } from 'lmdb';
import { encodeFormat, STORE_FORMAT } from '../core/codec.js';
import { TurnlogError } from '../errors.js';
import { prepareEncryption } from './encryption.js';
import { FORMAT_KEY } from './format-check.js';
import type { EncryptionKey, PreparedKey } from './encryption.js';
import type { StoreState } from './store-guard.js';
import {
  CREATE_RESERVE_BYTES, DATA_FILE, KEY_CHECK_FILE, rmdirQuietly, errnoOf, fsError, LOCK_FILE, LOCK_FILE_BYTES, lstatOrMissing, placeNewFile, requireFreeSpace,
  syncDir, syncFile, tempName, unbackedBytes, unlinkQuietly, writeNewFile,
} from './store-files.js';

/** Removes `path` and its parents up to `outermost` (the first one a failed creation made), if empty. */
function removeCreatedDirs(path: string, outermost: string): void {
  const stop = resolve(outermost);
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    rmdirQuietly(dir);
    if (dir === stop || dir === dirname(dir)) return;
  }
}

/**
 * A new store's key-check file (encrypted stores) and data file, or nothing: on failure, what
 * this call made (the key-check file, the directories) is removed again.
 */
export function createStore(path: string, state: StoreState, encryptionKey: EncryptionKey | undefined, now: number): PreparedKey {
  let key: PreparedKey | undefined;
  try {
    requireFreeSpace(path, CREATE_RESERVE_BYTES, 'create a store');
    key = prepareEncryption(path, state, encryptionKey);
    createDataFile(path, key.lmdbKey, now);
    return key;
  } catch (error) {
    if (key?.wroteKeyFile === true && !existsSync(join(path, DATA_FILE))) unlinkQuietly(join(path, KEY_CHECK_FILE));
    if (state.createdDir !== undefined) removeCreatedDirs(path, state.createdDir);
    throw error;
  }
}

/**
 * Makes a new store's `data.mdb` whole or not at all: LMDB initialises a temporary file (its
 * meta pages and turnlog's format record, committed and synced), which is then hard-linked to
 * `data.mdb`. A crash or a full disk part-way leaves only a temporary file, never a 0-byte or
 * half-made `data.mdb`. If another process links its own first, that one is the store.
 * Every file is created owner-only (0600) before LMDB writes a byte to it.
 */
export function createDataFile(path: string, key: string | undefined, now: number): void {
  const temp = tempName(path, 'new');
  const tempLock = `${temp}-lock`; // LMDB's lock-file name for a data file opened without a directory
  try {
    writeNewFile(temp, new Uint8Array(0));
    writeNewFile(tempLock, new Uint8Array(LOCK_FILE_BYTES));
    const env = open<Uint8Array, string>({
      path: temp,
      noSubdir: true,
      encoding: 'binary',
      overlappingSync: false, // commit and sync before transactionSync returns
      cache: false,
      ...(key === undefined ? {} : { encryptionKey: key }),
    });
    try {
      env.transactionSync(() => env.putSync(FORMAT_KEY, encodeFormat({ format: STORE_FORMAT, createdAt: now })));
    } finally {
      void env.close();
    }
    chmodSync(temp, 0o600);
    syncFile(temp);
    try {
      linkSync(temp, join(path, DATA_FILE));
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw error;
    }
    syncDir(path);
  } catch (error) {
    throw error instanceof TurnlogError ? error : fsError('create a store in', path, error);
  } finally {
    unlinkQuietly(temp);
    unlinkQuietly(tempLock);
  }
}

/**
 * LMDB maps `lock.mdb` and writes its reader table through the mapping: a page of the file the
 * disk cannot back (a hole, on a full disk) is a SIGBUS. A missing lock file is made here
 * zero-filled in full; an existing one with holes (as LMDB itself makes them) is only used when
 * the disk has room for them.
 */
export function ensureLockFile(path: string): void {
  const lock = join(path, LOCK_FILE);
  try {
    if (lstatOrMissing(lock) === undefined) placeNewFile(path, lock, new Uint8Array(LOCK_FILE_BYTES), 'lock');
    const holes = unbackedBytes(lock, LOCK_FILE_BYTES);
    if (holes > 0) requireFreeSpace(path, holes + 4096, `use the lock file ${lock}, which has ${holes} bytes not yet on disk,`);
  } catch (error) {
    throw error instanceof TurnlogError ? error : fsError('prepare the lock file', lock, error);
  }
}
