import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TurnlogError } from '../errors.js';
import {
  badStoreFile, checkAccess, DATA_FILE, DIR_RWX, fsError, KEY_CHECK_FILE, LOCK_FILE, lstatOrMissing,
  MAX_KEY_FILE_BYTES, MAX_LOCK_FILE_BYTES, notAStore, PARTIAL_BACKUP_DIR, RW, TEMP_PREFIX, errnoOf, whyNoDir,
} from './store-files.js';
import { checkDistinctFiles, checkStoreFile } from './store-links.js';

/**
 * Checks run before the LMDB binding sees a path. The binding crashes the whole process
 * (SIGSEGV/SIGBUS) on a regular file, a data file that is not LMDB, or a lock file that is not
 * a plain file, so nothing reaches it until every file it will open looks sane. Reads only;
 * never writes to an existing file.
 */

const MDB_MAGIC = 0xbeefc0de;
/** The data-file version written by the LMDB inside the `lmdb` package. */
const MDB_DATA_VERSION = 2;
/** Offsets inside a meta page of that LMDB (page header, then MDB_meta). */
const META = { magic: 0x18, version: 0x1c, psize: 0x30, flags: 0x34, lastPage: 0x90, txnId: 0x98, end: 0xa0 } as const;
/** LMDB's MDB_ENCRYPT, kept in the meta page's flags: the pages after the meta pages are ciphertext. */
const MDB_ENCRYPT = 0x2000;

export interface MetaPage {
  pageSize: number;
  lastPage: number;
  txnId: number;
  encrypted: boolean;
}

export interface StoreState {
  /** 'new': no data file yet (the directory is empty or holds only what a creation leaves). */
  kind: 'new' | 'existing';
  /** The existing data file's meta page says its pages are encrypted. */
  encrypted: boolean;
  /** `turnlog.key` is present. */
  keyFile: boolean;
  /** The directory this call created (the outermost one), removed again if creation fails. */
  createdDir: string | undefined;
}

function readMeta(buf: Buffer, offset: number): MetaPage | undefined {
  if (buf.length < offset + META.end) return undefined;
  if (buf.readUInt32LE(offset + META.magic) !== MDB_MAGIC) return undefined;
  if (buf.readUInt32LE(offset + META.version) !== MDB_DATA_VERSION) return undefined;
  const pageSize = buf.readUInt32LE(offset + META.psize);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined;
  return {
    pageSize,
    lastPage: Number(buf.readBigUInt64LE(offset + META.lastPage)),
    txnId: Number(buf.readBigUInt64LE(offset + META.txnId)),
    encrypted: (buf.readUInt16LE(offset + META.flags) & MDB_ENCRYPT) !== 0,
  };
}

/**
 * Validates `data.mdb`'s meta pages (signature, version, page size). It does not compare the file
 * length with the meta page's last page number: LMDB counts pages a transaction allocated and
 * freed again without ever writing them, so a healthy file can be shorter. Pages that are really
 * missing are found by the page walk (page-check.ts), which follows only pages in use.
 */
export function inspectDataFile(file: string): MetaPage {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < META.end) badStoreFile(file, `its ${size} bytes are shorter than an LMDB meta page`);
    const head = Buffer.alloc(Math.min(size, 65536 + META.end));
    readSync(fd, head, 0, head.length, 0);
    const first = readMeta(head, 0);
    if (first === undefined) {
      if (head.readUInt32LE(META.magic) !== MDB_MAGIC) notAStore(file, 'no LMDB signature');
      notAStore(file, 'unreadable LMDB meta page');
    }
    const second = Buffer.alloc(META.end);
    const got = readSync(fd, second, 0, META.end, first.pageSize);
    const other = got === META.end ? readMeta(second, 0) : undefined;
    return other !== undefined && other.txnId > first.txnId ? other : first;
  } finally {
    closeSync(fd);
  }
}

/** Names a directory may hold and still count as "no store yet": what a creation leaves behind. */
function isCreationLeftover(name: string): boolean {
  return name === LOCK_FILE || name === KEY_CHECK_FILE || name.startsWith(TEMP_PREFIX);
}

function missingStore(path: string, create: boolean): StoreState {
  if (!create) throw new TurnlogError('NOT_FOUND', `no turnlog store at ${path}`);
  let createdDir: string | undefined;
  try {
    createdDir = mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw fsError('create the store directory', path, whyNoDir(path, error));
  }
  return { kind: 'new', encrypted: false, keyFile: false, createdDir };
}

/** Decides what is at `path` and checks every file LMDB and turnlog will open there. */
export function prepareStorePath(path: string, create: boolean): StoreState {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return missingStore(path, create);
    throw fsError('read', path, error);
  }
  if (!stat.isDirectory()) notAStore(path, 'it is a file, and a store is a directory');
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (error) {
    throw fsError('list', path, error);
  }
  const data = join(path, DATA_FILE);
  const dataStat = lstatOrMissing(data);
  const lockStat = lstatOrMissing(join(path, LOCK_FILE));
  const keyStat = lstatOrMissing(join(path, KEY_CHECK_FILE));
  // A backup moves its files out of the partial directory one by one and removes it last: while
  // it is there, whatever else DEST holds is not yet a whole store (backup-files.ts).
  if (names.includes(PARTIAL_BACKUP_DIR)) {
    notAStore(path, `it holds an unfinished backup (${PARTIAL_BACKUP_DIR}: the backup was interrupted; delete ${path} with everything in it and back up again)`);
  }
  if (lockStat) checkStoreFile(join(path, LOCK_FILE), lockStat, MAX_LOCK_FILE_BYTES);
  if (keyStat) checkStoreFile(join(path, KEY_CHECK_FILE), keyStat, MAX_KEY_FILE_BYTES);
  if (dataStat) checkStoreFile(data, dataStat, Number.MAX_SAFE_INTEGER);
  checkDistinctFiles([[data, dataStat], [join(path, LOCK_FILE), lockStat], [join(path, KEY_CHECK_FILE), keyStat]]);
  if (dataStat === undefined) {
    const foreign = names.filter((n) => !isCreationLeftover(n));
    if (!create) throw new TurnlogError('NOT_FOUND', `no turnlog store at ${path}`);
    if (foreign.length > 0) {
      const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? ', …' : '');
      throw new TurnlogError('INVALID_ARGUMENT', `${path} is not empty and holds no turnlog store (it has ${shown}); give a new or empty directory, nothing was written`);
    }
    checkAccess(path, DIR_RWX, 'create a store in');
    return { kind: 'new', encrypted: false, keyFile: keyStat !== undefined, createdDir: undefined };
  }
  // LMDB writes its meta pages first, and turnlog links a data file into place only once it is
  // complete: an empty one is a file cut short, not a store to start afresh.
  if (dataStat.size === 0) badStoreFile(data, 'it is empty (0 bytes): a data file cut short, not a store; move it away to start a new store here');
  checkAccess(data, RW, 'open');
  if (lockStat) checkAccess(join(path, LOCK_FILE), RW, 'open');
  else checkAccess(path, DIR_RWX, 'create the lock file in');
  if (keyStat) checkAccess(join(path, KEY_CHECK_FILE), constants.R_OK, 'read');
  let meta: MetaPage;
  try {
    meta = inspectDataFile(data);
  } catch (error) {
    throw error instanceof TurnlogError ? error : fsError('read', data, error);
  }
  return { kind: 'existing', encrypted: meta.encrypted, keyFile: keyStat !== undefined, createdDir: undefined };
}
