import { createRequire } from 'node:module';
import { TurnlogError } from '../errors.js';

/**
 * The packages only the openclaw SQLite importer needs: a SQLite driver (Node.js 20 has no
 * built-in SQLite) and a zstd decompressor (Node.js 20's zlib has no zstd). Both are optional
 * dependencies, loaded on first use, so that nothing else in turnlog pays for them or breaks
 * when an install skipped them (better-sqlite3 is a native addon: a platform without a prebuilt
 * binary and without a compiler leaves it out).
 */

/** What the importer uses of better-sqlite3. */
export interface SqliteStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
}
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  pragma(sql: string, options: { simple: true }): unknown;
  close(): unknown;
}
export type SqliteOpen = (path: string, options: { readonly: true; fileMustExist: true }) => SqliteDatabase;

/** What the importer uses of fzstd. */
export interface ZstdModule {
  Decompress: new (ondata?: (data: Uint8Array, final?: boolean) => unknown) => { push(chunk: Uint8Array, final?: boolean): unknown };
}

type Loader = (name: string) => unknown;
const nodeRequire: Loader = createRequire(import.meta.url);
let load: Loader = nodeRequire;

/** Tests replace the loader to see what a missing package does; `undefined` puts Node's back. */
export function setOptionalLoaderForTests(loader: Loader | undefined): void {
  load = loader ?? nodeRequire;
}

const missing = new WeakSet<object>();

/** True for the error a missing package raised: it stops the whole import, never one database. */
export const isMissingPackage = (error: unknown): boolean => typeof error === 'object' && error !== null && missing.has(error);

function required<T>(name: string, why: string): T {
  try {
    return load(name) as T;
  } catch (cause) {
    // The same code as a missing "pg" for the PostgreSQL store: the call cannot work as made.
    const error = new TurnlogError('INVALID_ARGUMENT', `importing openclaw's SQLite database needs the "${name}" package (${why}): npm install ${name}`, { cause });
    missing.add(error);
    throw error;
  }
}

export function loadSqlite(): SqliteOpen {
  const Database = required<new (path: string, options: object) => SqliteDatabase>('better-sqlite3', 'to read SQLite');
  return (path, options) => new Database(path, options);
}

export function loadZstd(): ZstdModule {
  return required<ZstdModule>('fzstd', 'to decompress zstd');
}
