import type { Key, Table } from '../core/layout.js';

/** Keys in [low, high), walked upward, or downward with `reverse`; at most `limit` entries. */
export interface RangeOptions {
  low: Key;
  high: Key;
  reverse?: boolean;
  limit?: number;
  /** Only the keys are needed: entries may carry empty values (saves copying large ones). */
  keysOnly?: boolean;
}

export interface Entry {
  key: Key;
  /** Valid until the next step of the iteration: decode it, don't keep it. */
  value: Uint8Array;
}

export interface ReadTxn {
  get(table: Table, key: Key): Uint8Array | undefined;
  range(table: Table, options: RangeOptions): Iterable<Entry>;
}

export interface WriteTxn extends ReadTxn {
  put(table: Table, key: Key, value: Uint8Array): void;
  del(table: Table, key: Key): void;
}

export interface BackendStats {
  backend: string;
  [field: string]: unknown;
}

/**
 * The storage layer: ordered tables with snapshot reads and serialised, atomic write
 * transactions. Everything turnlog knows about sessions lives above this line.
 */
export interface Backend {
  readonly kind: string;
  /** Runs `fn` on one consistent snapshot. Synchronous; never blocks writers. */
  read<T>(fn: (tx: ReadTxn) => T): T;
  /**
   * Runs `fn` inside a write transaction that is serialised with every other writer, in this
   * process and others. All of `fn`'s writes commit atomically (the engine groups concurrent
   * writes into one call itself). The promise resolves once the commit is as durable as the
   * backend was opened for. If `fn` throws, nothing it wrote is committed.
   */
  write<T>(fn: (tx: WriteTxn) => T): Promise<T>;
  stats(): BackendStats;
  /**
   * A consistent copy of the store in `dest` (a new or empty directory), optionally compacted.
   * Complete or refused: a copy cut short must never open as a store (the LMDB backend stages
   * it in a partial directory that opening refuses).
   */
  backup?(dest: string, compact: boolean): Promise<void>;
  close(): Promise<void>;
}
