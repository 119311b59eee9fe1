import { statSync } from 'node:fs';
import { TurnlogError } from '../errors.js';
import type { Backend, BackendStats, ReadTxn, WriteTxn } from './backend.js';
import { keyBytes } from './encryption.js';
import type { EncryptionKey } from './encryption.js';
import { LmdbBackend } from './lmdb-backend.js';
import type { LmdbBackendOptions } from './lmdb-backend.js';
import { trackPending } from './pending.js';

/**
 * One LMDB handle per store and process, shared by every log this process opens on it.
 *
 * LMDB allows one environment per store and process, and the binding shares one between the
 * handles of a process: two handles' read transactions on one thread then take the same slot of
 * the reader table, which fails (MDB_BAD_RSLOT) once another process has used it. So a second
 * open of a store this process has open — by the same path or any other (a symbolic link, a
 * relative path: stores are told apart by their directory's device and inode) — gets a view of
 * the same backend; the backend closes when its last view does. Until that close has finished,
 * the store is not opened again in this process: a second backend opened meanwhile would be a
 * second handle on the environment the first is still closing — the same failure, or a write
 * that never settles — so such an open is refused with a clear error instead.
 */
interface Shared {
  backend: LmdbBackend;
  views: number;
  key: EncryptionKey | undefined;
  /** Set once the last view closed: the backend is closing. */
  closing?: Promise<void>;
}
const open = new Map<string, Shared>();

/** The backend for `options.path`: this process's open one when there is one, else a new one. */
export function openLmdbBackend(options: LmdbBackendOptions): Backend {
  // A malformed key is INVALID_ARGUMENT whether or not the store is open here already.
  if (options.encryptionKey !== undefined) keyBytes(options.encryptionKey);
  const id = storeId(options.path);
  const held = id === undefined ? undefined : open.get(id);
  if (held?.closing !== undefined) {
    throw new TurnlogError('INVALID_ARGUMENT', `the store at ${options.path} is being closed in this process: open it again once close() has resolved`);
  }
  if (held !== undefined) {
    if (!sameKey(held.key, options.encryptionKey)) {
      throw new TurnlogError('WRONG_KEY', `the store at ${options.path} is already open in this process with another encryption key (or without one)`);
    }
    held.views++;
    return new BackendView(held, () => release(id as string, held));
  }
  const backend = new LmdbBackend(options);
  // The directory exists now (a new store was just made).
  const madeId = storeId(options.path) as string;
  const shared: Shared = { backend, views: 1, key: options.encryptionKey };
  open.set(madeId, shared);
  return new BackendView(shared, () => release(madeId, shared));
}

function release(id: string, shared: Shared): Promise<void> {
  if (--shared.views > 0) return Promise.resolve();
  // Forgotten only once the environment is closed: an open meanwhile is refused (see above).
  shared.closing = shared.backend.close().finally(() => {
    if (open.get(id) === shared) open.delete(id);
  });
  return shared.closing;
}

function storeId(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined; // not there yet: nobody has it open
  }
}

function sameKey(a: EncryptionKey | undefined, b: EncryptionKey | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const bytes = (k: EncryptionKey): Buffer => (typeof k === 'string' ? Buffer.from(k, 'utf8') : Buffer.from(k.buffer, k.byteOffset, k.byteLength));
  return bytes(a).equals(bytes(b));
}

/** One log's view of a shared backend: its own closed state, and its writes awaited at its close. */
class BackendView implements Backend {
  readonly kind: string;
  private closing: Promise<void> | undefined;
  private readonly writing = new Set<Promise<unknown>>();

  constructor(
    private readonly shared: Shared,
    private readonly release: () => Promise<void>,
  ) {
    this.kind = shared.backend.kind;
  }

  private assertOpen(): void {
    if (this.closing) throw new TurnlogError('CLOSED', 'the session log is closed');
  }

  read<T>(fn: (tx: ReadTxn) => T): T {
    this.assertOpen();
    return this.shared.backend.read(fn);
  }

  write<T>(fn: (tx: WriteTxn) => T): Promise<T> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    return trackPending(this.writing, this.shared.backend.write(fn));
  }

  stats(): BackendStats {
    this.assertOpen();
    return this.shared.backend.stats();
  }

  backup(dest: string, compact: boolean): Promise<void> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.shared.backend.backup(dest, compact);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.writing]);
      await this.release();
    })();
    return this.closing;
  }
}
