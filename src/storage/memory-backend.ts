import type { Key, KeyPart, Table } from '../core/layout.js';
import { TABLES } from '../core/layout.js';
import type { Backend, BackendStats, Entry, RangeOptions, ReadTxn, WriteTxn } from './backend.js';

/** Numbers sort before strings, parts compare left to right, a prefix sorts first (as in LMDB). */
export function compareKeys(a: Key, b: Key): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = comparePart(a[i] as KeyPart, b[i] as KeyPart);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function comparePart(a: KeyPart, b: KeyPart): number {
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Row {
  key: Key;
  value: Uint8Array;
}

class SortedTable {
  rows: Row[] = [];

  private search(key: Key): { index: number; found: boolean } {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = compareKeys((this.rows[mid] as Row).key, key);
      if (c === 0) return { index: mid, found: true };
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return { index: lo, found: false };
  }

  get(key: Key): Uint8Array | undefined {
    const { index, found } = this.search(key);
    return found ? (this.rows[index] as Row).value : undefined;
  }

  /** Returns the previous value (for the undo log). */
  put(key: Key, value: Uint8Array): Uint8Array | undefined {
    const { index, found } = this.search(key);
    if (found) {
      const row = this.rows[index] as Row;
      const old = row.value;
      row.value = value;
      return old;
    }
    this.rows.splice(index, 0, { key: [...key], value });
    return undefined;
  }

  del(key: Key): Uint8Array | undefined {
    const { index, found } = this.search(key);
    if (!found) return undefined;
    return (this.rows.splice(index, 1)[0] as Row).value;
  }

  *range(o: RangeOptions): Iterable<Entry> {
    const lowIndex = this.search(o.low).index;
    const highIndex = this.search(o.high).index;
    let left = o.limit ?? Infinity;
    if (o.reverse) {
      for (let i = highIndex - 1; i >= lowIndex && left-- > 0; i--) yield this.copy(i);
    } else {
      for (let i = lowIndex; i < highIndex && left-- > 0; i++) yield this.copy(i);
    }
  }

  private copy(i: number): Entry {
    const row = this.rows[i] as Row;
    return { key: row.key, value: row.value.slice() };
  }
}

/**
 * The in-memory reference backend: same contract as LMDB, no files. Used by the conformance
 * suite as a second implementation, and by applications' own tests. Writes are queued and
 * applied on the next turn of the event loop, one after another, each with its own undo list: a
 * write that throws is rolled back alone, and the others queued with it still apply. Deferring
 * them keeps a write invisible until the caller has yielded, as with LMDB's asynchronous commits;
 * there is no shared commit, and nothing is durable.
 */
export class MemoryBackend implements Backend {
  readonly kind = 'memory';
  private readonly tables = new Map<Table, SortedTable>(TABLES.map((t) => [t, new SortedTable()]));
  private queue: Array<() => void> = [];
  private scheduled = false;
  private closed = false;

  private table(t: Table): SortedTable {
    return this.tables.get(t) as SortedTable;
  }

  private readTxn(): ReadTxn {
    return {
      get: (t, k) => this.table(t).get(k)?.slice(),
      range: (t, o) => this.table(t).range(o),
    };
  }

  read<T>(fn: (tx: ReadTxn) => T): T {
    return fn(this.readTxn());
  }

  write<T>(fn: (tx: WriteTxn) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(() => {
        const undo: Array<() => void> = [];
        const tx: WriteTxn = {
          ...this.readTxn(),
          put: (t, k, v) => {
            const old = this.table(t).put(k, v.slice());
            undo.push(() => (old === undefined ? this.table(t).del(k) : this.table(t).put(k, old)));
          },
          del: (t, k) => {
            const old = this.table(t).del(k);
            if (old !== undefined) undo.push(() => this.table(t).put(k, old));
          },
        };
        try {
          resolve(fn(tx));
        } catch (error) {
          for (let i = undo.length - 1; i >= 0; i--) (undo[i] as () => void)();
          reject(error);
        }
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    for (const run of batch) run();
  }

  stats(): BackendStats {
    const rows: Record<string, number> = {};
    for (const [name, t] of this.tables) rows[name] = t.rows.length;
    return { backend: 'memory', rows };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.queue.length > 0) await new Promise((r) => setImmediate(r));
  }
}
