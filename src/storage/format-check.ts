import { closeSync, openSync, readSync } from 'node:fs';
import { decodeFormat, STORE_FORMAT } from '../core/codec.js';
import { TurnlogError } from '../errors.js';
import { readMetas } from './page-check.js';
import type { Meta } from './page-check.js';

/**
 * Reads turnlog's format record from a plain data file in JavaScript, so that a foreign LMDB
 * database or a newer store is refused before anything is written: LMDB itself can only be
 * asked once it has opened the store, and opening makes `lock.mdb` when it is missing. The
 * record lives in LMDB's main database under a fixed key; finding it is one B-tree descent (a
 * page or two). Only a definite answer from a file no commit changed meanwhile refuses; anything
 * unclear is left to the check after LMDB opens (LmdbBackend.initFormat), as before.
 */

/** Root-database key of the format record; its presence is what makes an LMDB env a turnlog store. */
export const FORMAT_KEY = 'turnlog:format';

/** Page header size, branch/leaf/overflow flags and the big-data node flag, as in page-check.ts. */
const HDR = 24;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const F_BIGDATA = 0x01;
const NODESIZE = 8;
const P_INVALID = 0xffffffffffffffffn;

type Lookup = { kind: 'found'; value: Buffer } | { kind: 'absent'; empty: boolean } | { kind: 'unclear' };

export function foreignDatabase(path: string): TurnlogError {
  return new TurnlogError('CORRUPT', `${path} holds an LMDB database that is not a turnlog store; it was left untouched`);
}

/** Throws UNSUPPORTED_FORMAT for a format newer than this turnlog reads. */
export function checkFormatNumber(path: string, raw: Uint8Array): void {
  const { format } = decodeFormat(raw);
  if (format > STORE_FORMAT) {
    throw new TurnlogError('UNSUPPORTED_FORMAT', `the store at ${path} has format ${format}; this turnlog reads up to ${STORE_FORMAT}`);
  }
}

/** LMDB's default key order: bytes compared as unsigned, a prefix before the longer key. */
function compareBytes(a: Buffer, b: Buffer): number {
  const c = Buffer.compare(a.subarray(0, Math.min(a.length, b.length)), b.subarray(0, Math.min(a.length, b.length)));
  return c !== 0 ? c : a.length - b.length;
}

function readPage(fd: number, meta: Meta, pgno: number): Buffer | undefined {
  if (!Number.isSafeInteger(pgno) || pgno < 2 || pgno > meta.lastPage) return undefined;
  const buf = Buffer.alloc(meta.psize);
  if (readSync(fd, buf, 0, buf.length, pgno * meta.psize) !== buf.length) return undefined;
  return buf.readBigUInt64LE(0) === BigInt(pgno) ? buf : undefined;
}

function search(fd: number, meta: Meta, key: Buffer): Lookup {
  const root = meta.roots[1] ?? P_INVALID;
  if (root === P_INVALID) return { kind: 'absent', empty: true };
  let pgno = Number(root);
  for (let depth = 0; depth <= 32; depth++) {
    const p = readPage(fd, meta, pgno);
    if (p === undefined) return { kind: 'unclear' };
    const flags = p.readUInt16LE(0x12);
    const lower = p.readUInt16LE(0x14) + HDR;
    if (lower < HDR || lower > p.length) return { kind: 'unclear' };
    const n = (lower - HDR) >> 1;
    const node = (i: number): { off: number; key: Buffer } | undefined => {
      const off = p.readUInt16LE(HDR + 2 * i) + HDR;
      if (off + NODESIZE > p.length) return undefined;
      const ksize = p.readUInt16LE(off + 6);
      if (off + NODESIZE + ksize > p.length) return undefined;
      return { off, key: p.subarray(off + NODESIZE, off + NODESIZE + ksize) };
    };
    if ((flags & P_BRANCH) !== 0) {
      // Node 0 stands for every key below node 1's; take the last node whose key is not above ours.
      let chosen = node(0);
      for (let i = 1; i < n; i++) {
        const next = node(i);
        if (next === undefined) return { kind: 'unclear' };
        if (compareBytes(next.key, key) > 0) break;
        chosen = next;
      }
      if (chosen === undefined) return { kind: 'unclear' };
      pgno = p.readUInt16LE(chosen.off) + p.readUInt16LE(chosen.off + 2) * 0x10000 + p.readUInt16LE(chosen.off + 4) * 0x100000000;
      continue;
    }
    if ((flags & P_LEAF) === 0) return { kind: 'unclear' };
    for (let i = 0; i < n; i++) {
      const found = node(i);
      if (found === undefined) return { kind: 'unclear' };
      if (compareBytes(found.key, key) !== 0) continue;
      const size = p.readUInt16LE(found.off) + p.readUInt16LE(found.off + 2) * 0x10000;
      const data = found.off + NODESIZE + found.key.length;
      if ((p.readUInt16LE(found.off + 4) & F_BIGDATA) === 0) {
        return data + size <= p.length ? { kind: 'found', value: Buffer.from(p.subarray(data, data + size)) } : { kind: 'unclear' };
      }
      if (data + 8 > p.length || size > 1 << 20) return { kind: 'unclear' };
      const value = Buffer.alloc(size);
      const at = Number(p.readBigUInt64LE(data)) * meta.psize + HDR;
      return readSync(fd, value, 0, size, at) === size ? { kind: 'found', value } : { kind: 'unclear' };
    }
    return { kind: 'absent', empty: n === 0 && depth === 0 };
  }
  return { kind: 'unclear' };
}

/**
 * Refuses a plain data file whose main database has no format record but other keys (CORRUPT:
 * another program's database) or a newer format (UNSUPPORTED_FORMAT). A store being committed to
 * meanwhile (the meta page changed) is looked at again, then left to the later check.
 */
export function checkFormatRecord(file: string, path: string, attempts = 3): void {
  const fd = openSync(file, 'r');
  try {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let meta: Meta;
      let found: Lookup;
      try {
        meta = readMetas(fd);
        found = search(fd, meta, Buffer.from(FORMAT_KEY, 'utf8'));
        if (readMetas(fd).txnId !== meta.txnId) continue;
      } catch {
        return;
      }
      if (found.kind === 'found') checkFormatNumber(path, found.value);
      else if (found.kind === 'absent' && !found.empty) throw foreignDatabase(path);
      return;
    }
  } finally {
    closeSync(fd);
  }
}
