import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { Backend, BackendStats, ReadTxn, WriteTxn } from '../../src/storage/backend.js';
import { LmdbBackend } from '../../src/storage/lmdb-backend.js';
import { MemoryBackend } from '../../src/storage/memory-backend.js';
import { tempDir } from './harness.js';

/**
 * Wraps a backend so that a write transaction can be made to fail at its n-th put: the storage
 * engine failing in the middle of a write (map full, I/O error). Off until `failAtPut` is set;
 * it fires once and turns itself off again.
 */
export class FaultyBackend implements Backend {
  readonly kind: string;
  /** The put (0-based, counted within the next write transaction) that throws; undefined: none. */
  failAtPut: number | undefined;

  constructor(readonly inner: Backend) {
    this.kind = inner.kind;
  }

  read<T>(fn: (tx: ReadTxn) => T): T {
    return this.inner.read(fn);
  }

  write<T>(fn: (tx: WriteTxn) => T): Promise<T> {
    const failAt = this.failAtPut;
    this.failAtPut = undefined;
    let puts = 0;
    return this.inner.write((tx) =>
      fn({
        get: (t, k) => tx.get(t, k),
        range: (t, o) => tx.range(t, o),
        put: (t, k, v) => {
          if (puts++ === failAt) throw new Error('injected storage failure');
          tx.put(t, k, v);
        },
        del: (t, k) => tx.del(t, k),
      }),
    );
  }

  stats(): BackendStats {
    return this.inner.stats();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A fresh faulty store on either backend, with a disposer that removes its files. */
export function faultyStore(kind: 'memory' | 'lmdb'): { backend: FaultyBackend; dispose: () => void } {
  if (kind === 'memory') return { backend: new FaultyBackend(new MemoryBackend()), dispose: () => undefined };
  const dir = tempDir();
  const inner = new LmdbBackend({ path: join(dir, 'store'), create: true, now: 0, checkOnOpen: 'auto', encryptionKey: undefined });
  return { backend: new FaultyBackend(inner), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
