import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import type { Database, RootDatabase } from 'lmdb';
import { decodeFormat, encodeFormat, STORE_FORMAT } from '../core/codec.js';
import { TABLES } from '../core/layout.js';
import type { Key, Table } from '../core/layout.js';
import { TurnlogError } from '../errors.js';
import type { Backend, BackendStats, Entry, RangeOptions, ReadTxn, WriteTxn } from './backend.js';
import { prepareStorePath } from './store-guard.js';
import { checkPages } from './page-check.js';
import { prepareEncryption } from './encryption.js';
import type { EncryptionKey } from './encryption.js';
import { createStore, ensureLockFile } from './store-create.js';
import { checkFormatNumber, checkFormatRecord, FORMAT_KEY, foreignDatabase } from './format-check.js';
import { DATA_FILE, KEY_CHECK_FILE, LOCK_FILE } from './store-files.js';
import { abandonBackup, finishBackup, startBackup, withPrivateUmask } from './backup-files.js';
import { compareKeys } from './memory-backend.js';
import { trackPending } from './pending.js';

export interface LmdbBackendOptions {
  path: string;
  /** Create the store when missing (writers); readers pass false. */
  create: boolean;
  /** ms since epoch, stamped on a new store's format record. */
  now: number;
  /** Page check before LMDB opens an existing file (see SessionLogOptions.checkOnOpen). */
  checkOnOpen: 'auto' | 'full' | 'quick';
  encryptionKey: EncryptionKey | undefined;
}

/** Files up to this size get the full page check under 'auto'. */
const AUTO_FULL_CHECK_BYTES = 512 * 1024 * 1024;

type Db = Database<Uint8Array, Key>;

/** LMDB's own damage reports (MDB_CORRUPTED, MDB_PAGE_NOTFOUND…) become CORRUPT, its other failures IO_ERROR; ours pass through. */
function storageError(error: unknown): unknown {
  if (error instanceof TurnlogError) return error;
  const message = (error as Error)?.message ?? String(error);
  if (/MDB_CORRUPTED|MDB_PAGE_NOTFOUND|MDB_BAD_TXN|MDB_INVALID|MDB_VERSION_MISMATCH/.test(message)) {
    return new TurnlogError('CORRUPT', `the store's data file is damaged: ${message}`, { cause: error });
  }
  // Any other failure LMDB reports (a full reader table, a full map…) is the engine's, not damage.
  if (/^MDB_|: MDB_/.test(message)) return new TurnlogError('IO_ERROR', `the storage engine failed: ${message}`, { cause: error });
  return error;
}

function ioError(what: string, error: unknown): TurnlogError {
  if (error instanceof TurnlogError) return error;
  return new TurnlogError('IO_ERROR', `${what}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}

/** LMDB refusing to open: a file-system failure is IO_ERROR with its reason, anything else CORRUPT. */
function openError(path: string, error: unknown): TurnlogError {
  const message = (error as Error)?.message ?? String(error);
  if (/no space|read-only|permission|denied|input\/output|quota|EACCES|EROFS|ENOSPC|EIO|EPERM/i.test(message)) {
    return new TurnlogError('IO_ERROR', `cannot open the store at ${path}: ${message}`, { cause: error });
  }
  return new TurnlogError('CORRUPT', `cannot open the store at ${path}: ${message}`, { cause: error });
}

/**
 * A commit that failed on the binding's write thread rejects with a generic error whose
 * `commitError` promise rejects with the cause (ENOSPC, EIO…). That promise is handled here, or
 * its rejection would be unhandled and end the host process; its reason, when already known, is
 * the error reported.
 */
async function commitFailure(error: unknown): Promise<unknown> {
  const cause = (error as { commitError?: unknown } | undefined)?.commitError;
  if (!(cause instanceof Promise)) return error;
  try {
    await Promise.race([cause, Promise.resolve()]);
    return error;
  } catch (reason) {
    return reason;
  }
}

type RawEntry = { key: Key | Key[number]; value: Uint8Array };

/** ordered-binary reads a one-element key back as a bare value; the engine always sees tuples. */
function* asTupleKeys(it: Iterable<RawEntry>): Iterable<Entry> {
  for (const e of it) yield Array.isArray(e.key) ? (e as Entry) : { key: [e.key], value: e.value };
}

const NO_VALUE = new Uint8Array(0);

function* keysAsEntries(keys: Iterable<Key | Key[number]>): Iterable<RawEntry> {
  for (const key of keys) yield { key, value: NO_VALUE };
}

function* takeWhileAtLeast(it: Iterable<Entry>, low: Key): Iterable<Entry> {
  for (const e of it) {
    if (compareKeys(e.key, low) < 0) return;
    yield e;
  }
}

/**
 * An encrypted (logical) backup copies at most 1,000 rows per write, and stops reading a batch
 * after this many ms: the reading and the write's puts run on the event loop, and 1,000 chunks
 * of 64 KiB would be 64 MB copied in one go.
 */
const COPY_BATCH_MS = 10;

/** All LMDB access of turnlog lives in this file. */
export class LmdbBackend implements Backend {
  readonly kind = 'lmdb';
  /** Set once by openRoot(), from the constructor. */
  private root!: RootDatabase<Uint8Array, Key | string>;
  private readonly dbs = new Map<Table, Db>();
  private closing: Promise<void> | undefined;
  /** Writes whose commit has not settled yet. */
  private readonly writing = new Set<Promise<unknown>>();
  /** The newest commit failed (see close()). */
  private commitFailed = false;

  constructor(private readonly options: LmdbBackendOptions) {
    this.openRoot(prepareStorePath(options.path, options.create));
  }

  private openRoot(state: ReturnType<typeof prepareStorePath>): void {
    const options = this.options;
    const key = state.kind === 'new' ? createStore(options.path, state, options.encryptionKey, options.now) : prepareEncryption(options.path, state, options.encryptionKey);
    // Every check that can refuse runs before anything is written, the lock file included.
    // Encrypted pages are ciphertext on disk: only LMDB can read them, so only the meta pages are checked.
    if (key.lmdbKey === undefined) {
      const file = join(options.path, DATA_FILE);
      const full = options.checkOnOpen === 'full' || (options.checkOnOpen === 'auto' && statSync(file).size <= AUTO_FULL_CHECK_BYTES);
      checkPages(file, full);
      checkFormatRecord(file, options.path);
    }
    ensureLockFile(options.path);
    try {
      this.root = open<Uint8Array, Key | string>({
        path: options.path,
        maxDbs: TABLES.length + 2,
        encoding: 'binary',
        // A path with an extension would otherwise be taken for a data file instead of a directory.
        noSubdir: false,
        // The write thread syncs after releasing the write lock, so the sync overlaps with the
        // next transaction (of this process or another); see write().
        overlappingSync: true,
        // Readers of other processes must see commits at once, not at their next event turn.
        cache: false,
        ...(key.lmdbKey === undefined ? {} : { encryptionKey: key.lmdbKey }),
      });
    } catch (error) {
      throw openError(options.path, error);
    }
    try {
      this.initFormat();
      for (const t of TABLES) this.dbs.set(t, this.root.openDB<Uint8Array, Key>({ name: t, encoding: 'binary' }));
    } catch (error) {
      void this.root.close();
      throw error;
    }
    this.restrictModes();
  }

  /**
   * Refuses foreign and newer stores before anything is written; stamps a new one and upgrades
   * an older one. A plain data file was already looked at in JavaScript before the lock file was
   * made (format-check.ts); this check covers encrypted ones and whatever that look left unclear.
   */
  private initFormat(): void {
    const raw = this.root.get(FORMAT_KEY);
    if (raw === undefined) {
      // An empty environment is a store whose creation by an older turnlog stopped before this record.
      if (this.root.getKeysCount({ limit: 1 }) > 0) throw foreignDatabase(this.options.path);
      this.root.transactionSync(() => {
        if (this.root.get(FORMAT_KEY) === undefined) this.root.putSync(FORMAT_KEY, encodeFormat({ format: STORE_FORMAT, createdAt: this.options.now }));
      });
      return;
    }
    checkFormatNumber(this.options.path, raw);
    if (decodeFormat(raw).format < STORE_FORMAT) this.upgradeFormat();
  }

  /**
   * An older store becomes the current format by rewriting its format record alone: every
   * older record reads the same (format 1's whole chunks and events included), and only what is
   * written from now on uses the new encodings. From then on an older turnlog refuses the store
   * (UNSUPPORTED_FORMAT) instead of misreading those. One small synchronous commit, before the
   * store is used; a crash leaves it wholly old or wholly upgraded.
   */
  private upgradeFormat(): void {
    this.root.transactionSync(() => {
      const now = this.root.get(FORMAT_KEY);
      if (now === undefined) return;
      const f = decodeFormat(now);
      if (f.format < STORE_FORMAT) this.root.putSync(FORMAT_KEY, encodeFormat({ format: STORE_FORMAT, createdAt: f.createdAt }));
    });
  }

  private restrictModes(): void {
    for (const f of [DATA_FILE, LOCK_FILE, KEY_CHECK_FILE]) {
      const file = join(this.options.path, f);
      try {
        if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
      } catch {
        // Another user's file: leave it (opening already succeeded, so it is readable to us).
      }
    }
  }

  private db(t: Table): Db {
    return this.dbs.get(t) as Db;
  }

  private txnView(transaction: unknown): ReadTxn {
    const opts = transaction === undefined ? undefined : { transaction };
    return {
      get: (t, k) => this.db(t).get(k, opts as never),
      range: (t, o: RangeOptions): Iterable<Entry> => {
        const limit = o.limit === undefined ? {} : { limit: o.limit };
        const db = this.db(t);
        // LMDB's reverse range excludes its end; the low bound is inclusive here, so stop by hand.
        const bounds = o.reverse ? { start: o.high, reverse: true, exclusiveStart: true } : { start: o.low, end: o.high };
        const it = o.keysOnly
          ? keysAsEntries(db.getKeys({ ...bounds, ...limit, ...opts } as never) as unknown as Iterable<Key | Key[number]>)
          : (db.getRange({ ...bounds, ...limit, ...opts } as never) as unknown as Iterable<RawEntry>);
        return o.reverse ? takeWhileAtLeast(asTupleKeys(it), o.low) : asTupleKeys(it);
      },
    };
  }

  read<T>(fn: (tx: ReadTxn) => T): T {
    this.assertOpen();
    let txn;
    try {
      txn = this.root.useReadTransaction();
    } catch (error) {
      throw storageError(error);
    }
    try {
      return fn(this.txnView(txn));
    } catch (error) {
      throw storageError(error);
    } finally {
      txn.done();
    }
  }

  /**
   * One LMDB transaction per call (the engine batches concurrent writes into one call), committed
   * off the event loop: `fn` runs on this thread inside a write transaction that the binding's
   * write thread opened (a child transaction, so a throwing `fn` leaves nothing behind); that
   * thread then commits and syncs while the event loop keeps running. The binding commits with
   * its overlapping sync (the write lock is released before the sync, so the next transaction is
   * written while this one syncs; another process's commit still waits for this sync, on the
   * binding's shared sync lock) and reports the commit only once that sync is done; the promise
   * also waits for the binding's own flush signal, so that it never rests on that detail: it
   * resolves with the commit on disk.
   * The write thread, not this one, waits for LMDB's write lock when another process holds it.
   */
  write<T>(fn: (tx: WriteTxn) => T): Promise<T> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    const tx: WriteTxn = {
      ...this.txnView(undefined),
      put: (t, k, v) => void this.db(t).putSync(k, v),
      del: (t, k) => void this.db(t).removeSync(k),
    };
    let bodyFailed = false;
    const committed = this.root.childTransaction(() => {
      // The binding keeps a promise of its own for this transaction's commit (its event-turn
      // batch) that nothing awaits; a failed commit would reject it unhandled, ending the host.
      void this.root.committed.then(undefined, () => undefined);
      try {
        return fn(tx);
      } catch (error) {
        bodyFailed = true;
        throw error;
      }
    });
    // Taken now: the flush of the transaction this call joined (a later call may start another).
    const flushed = new Promise<unknown>((resolve, reject) => void this.root.flushed.then(resolve, reject));
    // It rejects too when the commit fails, and is then not awaited: the commit's error is reported.
    flushed.catch(() => undefined);
    const written = (async () => {
      try {
        const result = await committed;
        await flushed;
        this.commitFailed = false;
        return result;
      } catch (error) {
        if (!bodyFailed) this.commitFailed = true;
        const failure = bodyFailed ? error : await commitFailure(error);
        const mapped = storageError(failure);
        throw mapped instanceof TurnlogError || bodyFailed ? mapped : ioError('write failed (is the disk full?)', failure);
      }
    })();
    return trackPending(this.writing, written);
  }

  stats(): BackendStats {
    this.assertOpen();
    const s = this.root.getStats() as Record<string, unknown>;
    const pagesOf = (x: unknown): number => {
      const t = x as { treeBranchPageCount?: number; treeLeafPageCount?: number; overflowPages?: number } | undefined;
      return (t?.treeBranchPageCount ?? 0) + (t?.treeLeafPageCount ?? 0) + (t?.overflowPages ?? 0);
    };
    // Pages reachable from a tree (every table, the catalogue, the free list, two meta pages)
    // are in use; the rest of the file is free for LMDB to reuse.
    let inUse = 2 + pagesOf(s['root']) + pagesOf(s['free']);
    for (const db of this.dbs.values()) inUse += pagesOf(db.getStats());
    const pages = Number(s['lastPageNumber']) + 1;
    const file = join(this.options.path, DATA_FILE);
    return {
      backend: 'lmdb',
      path: this.options.path,
      fileBytes: existsSync(file) ? statSync(file).size : 0,
      pageSize: s['pageSize'],
      pages,
      pagesInUse: Math.min(inUse, pages),
      pagesFree: Math.max(0, pages - inUse),
      mapSize: s['mapSize'],
      lastTxnId: s['lastTxnId'],
      readers: s['numReaders'],
      maxReaders: s['maxReaders'],
    };
  }

  /** Complete or refused: written into DEST's partial directory, moved into place when complete (backup-files.ts). */
  async backup(dest: string, compact: boolean): Promise<void> {
    this.assertOpen();
    const destExisted = existsSync(dest);
    const partial = startBackup(dest, this.options.path);
    try {
      if (this.options.encryptionKey !== undefined) await this.encryptedCopy(partial);
      else await withPrivateUmask(join(partial, DATA_FILE), () => this.root.backup(partial, compact));
    } catch (error) {
      abandonBackup(partial, dest, destExisted);
      throw ioError(`backup to ${dest} failed`, error);
    }
    await finishBackup(partial, dest);
  }

  /**
   * The binding's environment copy cannot be used on an encrypted store (a plain copy fails, a
   * compacting copy writes decrypted pages), so an encrypted backup is a logical one: a new store
   * with the same key, filled from one read snapshot, table by table. It is always compact.
   */
  private async encryptedCopy(dest: string): Promise<void> {
    const copy = new LmdbBackend({ ...this.options, path: dest, create: true, checkOnOpen: 'quick' });
    const txn = this.root.useReadTransaction();
    try {
      const view = this.txnView(txn);
      for (const table of TABLES) {
        let batch: Array<[Key, Uint8Array]> = [];
        let started = performance.now();
        const flush = async (): Promise<void> => {
          const rows = batch;
          batch = [];
          await copy.write((tx) => rows.forEach(([k, v]) => tx.put(table, k, v)));
          // Reading and copying a batch run on this thread: give the host's event loop a full turn between batches.
          await new Promise((resolve) => setImmediate(resolve));
          started = performance.now();
        };
        for (const e of view.range(table, { low: [-Number.MAX_VALUE], high: ['~'] })) {
          batch.push([[...e.key], Uint8Array.from(e.value)]);
          if (batch.length >= 1000 || performance.now() - started >= COPY_BATCH_MS) await flush();
        }
        await flush();
      }
    } catch (error) {
      throw ioError(`backup to ${dest} failed`, error);
    } finally {
      txn.done();
      await copy.close();
    }
  }

  private assertOpen(): void {
    if (this.closing) throw new TurnlogError('CLOSED', 'the session log is closed');
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Every write settles once its commit is synced or failed.
      await Promise.allSettled([...this.writing]);
      // The binding's close waits for the flush of its newest batch, which never comes when that
      // batch's commit failed (a full disk): an empty transaction, which writes nothing and so
      // cannot fail for want of space, becomes the newest batch.
      if (this.commitFailed) await this.root.transaction(() => undefined).catch(() => undefined);
      await this.root.close();
    })();
    return this.closing;
  }
}
