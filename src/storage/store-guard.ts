import { closeSync, fstatSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TurnlogError } from '../errors.js';

/**
 * Checks run before the LMDB binding sees a path. The binding crashes the whole process
 * (SIGSEGV) on a regular file or a data file that is not LMDB, so nothing reaches it until the
 * file's meta pages look sane. Reads only; never writes to an existing file.
 */

const MDB_MAGIC = 0xbeefc0de;
/** The data-file version written by the LMDB inside the `lmdb` package. */
const MDB_DATA_VERSION = 2;
/** Offsets inside a meta page of that LMDB (page header, then MDB_meta). */
const META = { magic: 0x18, version: 0x1c, psize: 0x30, lastPage: 0x90, txnId: 0x98, end: 0xa0 } as const;

export type StoreState = 'missing' | 'empty-dir' | 'existing';

export interface MetaPage {
  pageSize: number;
  lastPage: number;
  txnId: number;
}

function corrupt(path: string, why: string): never {
  throw new TurnlogError('CORRUPT', `${path} is not a turnlog store: ${why}; it was left untouched`);
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
    const head = Buffer.alloc(Math.min(size, 65536 + META.end));
    readSync(fd, head, 0, head.length, 0);
    const first = readMeta(head, 0);
    if (first === undefined) {
      if (head.length >= 4 && head.readUInt32LE(META.magic) !== MDB_MAGIC) corrupt(file, 'no LMDB signature');
      corrupt(file, 'unreadable LMDB meta page');
    }
    const second = Buffer.alloc(META.end);
    const got = readSync(fd, second, 0, META.end, first.pageSize);
    const other = got === META.end ? readMeta(second, 0) : undefined;
    return other !== undefined && other.txnId > first.txnId ? other : first;
  } finally {
    closeSync(fd);
  }
}

/** Decides what is at `path`; creates an owner-only directory when allowed and missing. */
export function prepareStorePath(path: string, create: boolean): StoreState {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new TurnlogError('IO_ERROR', `cannot read ${path}`, { cause: error });
    }
    if (!create) throw new TurnlogError('NOT_FOUND', `no turnlog store at ${path}`);
    mkdirSync(path, { recursive: true, mode: 0o700 });
    return 'missing';
  }
  if (!stat.isDirectory()) corrupt(path, 'it is a file, and a store is a directory');
  const data = join(path, 'data.mdb');
  let dataStat;
  try {
    dataStat = statSync(data);
  } catch {
    if (!create) throw new TurnlogError('NOT_FOUND', `no turnlog store at ${path}`);
    return 'empty-dir';
  }
  if (!dataStat.isFile()) corrupt(data, 'not a regular file');
  // LMDB writes its meta pages first: a 0-byte file is a creation that never got that far.
  if (dataStat.size === 0) return 'empty-dir';
  inspectDataFile(data);
  return 'existing';
}
