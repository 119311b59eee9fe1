import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TurnlogError } from '../errors.js';

/**
 * A structural check of an LMDB data file, in JavaScript, before the binding reads it. The
 * binding trusts every page it follows: a damaged page can crash the process (an assertion
 * abort or a segfault) instead of returning an error. This walk follows the same pointers from
 * the newest meta page (the catalogue, every table's B-tree, the free list, overflow runs) and
 * checks each page's number, type, bounds and node layout, so damage is reported as CORRUPT.
 * It reads every page in use once.
 *
 * Another process may commit while the walk runs and reuse pages of the tree being walked;
 * that shows up as a changed meta page, and the walk starts again.
 */

/** Page header: pgno(8) txnid(8) pad(2) flags(2) lower(2) upper(2); node offsets count from its end. */
const HDR = 24;
const P_BRANCH = 0x01;
const P_LEAF = 0x02;
const P_OVERFLOW = 0x04;
const P_LEAF2 = 0x20;
const F_BIGDATA = 0x01;
const F_SUBDATA = 0x02;
const NODESIZE = 8;
const DB_SIZE = 48; // MDB_db: pad(4) flags(2) depth(2) branch(8) leaf(8) overflow(8) entries(8) root(8)
const P_INVALID = 0xffffffffffffffffn;
const META = { magic: 0x18, psize: 0x30, freeRoot: 0x30 + 40, mainRoot: 0x30 + DB_SIZE + 40, lastPage: 0x90, txnId: 0x98 } as const;

class Damage extends Error {}

export interface Meta {
  psize: number;
  lastPage: number;
  txnId: bigint;
  roots: bigint[];
}

export function readMetas(fd: number): Meta {
  const first = Buffer.alloc(0xa0);
  readSync(fd, first, 0, first.length, 0);
  const psize = first.readUInt32LE(META.psize);
  const second = Buffer.alloc(0xa0);
  readSync(fd, second, 0, second.length, psize);
  const metas = [first, second]
    .filter((b) => b.readUInt32LE(META.magic) === 0xbeefc0de)
    .map((b) => ({ psize, lastPage: Number(b.readBigUInt64LE(META.lastPage)), txnId: b.readBigUInt64LE(META.txnId), roots: [b.readBigUInt64LE(META.freeRoot), b.readBigUInt64LE(META.mainRoot)] }));
  const meta = metas.sort((a, b) => (a.txnId > b.txnId ? -1 : 1))[0];
  if (meta === undefined) throw new Damage('no valid meta page');
  return meta;
}

class Walker {
  private readonly seen = new Set<number>();
  pages = 0;

  constructor(
    private readonly fd: number,
    private readonly meta: Meta,
    private readonly fileSize: number,
  ) {}

  private page(pgno: number): Buffer {
    if (!Number.isSafeInteger(pgno) || pgno < 2 || pgno > this.meta.lastPage) throw new Damage(`page number ${pgno} out of range`);
    const buf = Buffer.alloc(this.meta.psize);
    if (readSync(this.fd, buf, 0, buf.length, pgno * this.meta.psize) !== buf.length) throw new Damage(`page ${pgno} is beyond the end of the file`);
    if (buf.readBigUInt64LE(0) !== BigInt(pgno)) throw new Damage(`page ${pgno} carries number ${buf.readBigUInt64LE(0)}`);
    this.pages++;
    return buf;
  }

  /** The root pages only: present in the file, numbered right, of a tree type. */
  roots(roots: bigint[]): void {
    for (const root of roots) {
      if (root === P_INVALID) continue;
      const p = this.page(Number(root));
      const kind = p.readUInt16LE(0x12) & (P_BRANCH | P_LEAF | P_OVERFLOW);
      if (kind !== P_BRANCH && kind !== P_LEAF) throw new Damage(`root page ${root} is neither a branch nor a leaf`);
    }
  }

  tree(root: bigint, depth = 0): void {
    if (root === P_INVALID) return;
    if (depth > 32) throw new Damage('B-tree deeper than 32 levels');
    const pgno = Number(root);
    if (this.seen.has(pgno)) throw new Damage(`page ${pgno} is reached twice`);
    this.seen.add(pgno);
    const p = this.page(pgno);
    const flags = p.readUInt16LE(0x12);
    const lower = p.readUInt16LE(0x14) + HDR;
    const upper = p.readUInt16LE(0x16) + HDR;
    const kind = flags & (P_BRANCH | P_LEAF | P_OVERFLOW);
    if (kind !== P_BRANCH && kind !== P_LEAF) throw new Damage(`page ${pgno} is neither a branch nor a leaf (flags ${flags.toString(16)})`);
    if (lower < HDR || upper < lower || upper > p.length || (lower - HDR) % 2 !== 0) throw new Damage(`page ${pgno} has a broken layout`);
    if (flags & P_LEAF2) return; // fixed-size keys, no nodes to follow
    const n = (lower - HDR) / 2;
    if (kind === P_BRANCH && n < 1) throw new Damage(`branch page ${pgno} is empty`);
    for (let i = 0; i < n; i++) {
      const off = p.readUInt16LE(HDR + 2 * i) + HDR;
      if (off < upper || off + NODESIZE > p.length) throw new Damage(`page ${pgno} node ${i} lies outside the page`);
      const lo = p.readUInt16LE(off);
      const hi = p.readUInt16LE(off + 2);
      const nflags = p.readUInt16LE(off + 4);
      const ksize = p.readUInt16LE(off + 6);
      if (off + NODESIZE + ksize > p.length) throw new Damage(`page ${pgno} node ${i} key runs past the page`);
      if (kind === P_BRANCH) {
        this.tree(BigInt(lo) | (BigInt(hi) << 16n) | (BigInt(nflags) << 32n), depth + 1);
        continue;
      }
      const dsize = lo + hi * 65536;
      const data = off + NODESIZE + ksize;
      if (nflags & F_BIGDATA) {
        if (data + 8 > p.length) throw new Damage(`page ${pgno} node ${i} overflow pointer runs past the page`);
        this.overflow(Number(p.readBigUInt64LE(data)), dsize);
      } else if (data + dsize > p.length) {
        throw new Damage(`page ${pgno} node ${i} data runs past the page`);
      } else if (nflags & F_SUBDATA) {
        if (dsize !== DB_SIZE) throw new Damage(`page ${pgno} node ${i} is a table record of the wrong size`);
        this.tree(p.readBigUInt64LE(data + 40), depth + 1);
      }
    }
  }

  private overflow(pgno: number, size: number): void {
    if (this.seen.has(pgno)) throw new Damage(`overflow page ${pgno} is reached twice`);
    this.seen.add(pgno);
    const p = this.page(pgno);
    if ((p.readUInt16LE(0x12) & P_OVERFLOW) === 0) throw new Damage(`page ${pgno} should be an overflow page`);
    const count = p.readUInt32LE(0x14);
    if (count < 1 || (pgno + count - 1) > this.meta.lastPage || (pgno + count) * this.meta.psize > this.fileSize) throw new Damage(`overflow run at page ${pgno} runs past the file`);
    if (size > count * this.meta.psize) throw new Damage(`overflow run at page ${pgno} is shorter than its value`);
  }
}

export interface PageCheck {
  pages: number;
  attempts: number;
}

/**
 * Throws CORRUPT when a page in use is damaged. `full`: every page in use; otherwise only the
 * roots of the catalogue and the free list (catches a truncated or clobbered file cheaply).
 * `attempts` bounds restarts caused by concurrent commits.
 */
export function checkPages(file: string, full = true, attempts = 5): PageCheck {
  const fd = openSync(file, 'r');
  try {
    for (let attempt = 1; ; attempt++) {
      const meta = readMetas(fd);
      const walker = new Walker(fd, meta, fstatSync(fd).size);
      try {
        if (full) for (const root of meta.roots) walker.tree(root);
        else walker.roots(meta.roots);
        return { pages: walker.pages, attempts: attempt };
      } catch (error) {
        if (!(error instanceof Damage)) throw error;
        // A commit meanwhile may have reused pages we were walking: look again.
        if (readMetas(fd).txnId !== meta.txnId && attempt < attempts) continue;
        if (readMetas(fd).txnId !== meta.txnId) return { pages: walker.pages, attempts: attempt }; // busy store: other writers vouch for it
        throw new TurnlogError('CORRUPT', `${file} is damaged: ${error.message}; it was left untouched`);
      }
    }
  } finally {
    closeSync(fd);
  }
}
