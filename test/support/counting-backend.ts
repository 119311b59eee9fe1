import type { Backend, BackendStats, ReadTxn, WriteTxn } from '../../src/storage/backend.js';
import type { Table } from '../../src/core/layout.js';
import { MemoryBackend } from '../../src/storage/memory-backend.js';

/** Wraps the memory backend and counts what the engine reads and writes, per table. */
export class CountingBackend implements Backend {
  readonly kind = 'counting';
  readonly inner = new MemoryBackend();
  bytesWritten = 0;
  rowsRead = 0;
  readonly writesByTable = new Map<Table, number>();

  reset(): void {
    this.bytesWritten = 0;
    this.rowsRead = 0;
    this.writesByTable.clear();
  }

  private wrap(tx: ReadTxn): ReadTxn {
    return {
      get: (t, k) => {
        this.rowsRead++;
        return tx.get(t, k);
      },
      range: (t, o) => {
        const self = this;
        return {
          *[Symbol.iterator]() {
            for (const e of tx.range(t, o)) {
              self.rowsRead++;
              yield e;
            }
          },
        };
      },
    };
  }

  read<T>(fn: (tx: ReadTxn) => T): T {
    return this.inner.read((tx) => fn(this.wrap(tx)));
  }

  write<T>(fn: (tx: WriteTxn) => T): Promise<T> {
    return this.inner.write((tx) =>
      fn({
        ...this.wrap(tx),
        put: (t, k, v) => {
          this.bytesWritten += v.byteLength;
          this.writesByTable.set(t, (this.writesByTable.get(t) ?? 0) + v.byteLength);
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
