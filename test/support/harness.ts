import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSessionLog, openSessionLogOn } from '../../src/open.js';
import type { SessionLog } from '../../src/engine/session-log.js';
import type { SessionLogOptions } from '../../src/engine/options.js';
import { MemoryBackend } from '../../src/storage/memory-backend.js';
import type { StoreHarness } from '../../src/testing/harness.js';
import { PG, PG_REQUIRED, pgHarness } from './pg-harness.js';

/** Everything a test may pass: LMDB's own options too (a store drops what it cannot honour). */
export type HarnessOptions = Omit<SessionLogOptions, 'path'>;

/**
 * One store for one test (the published `StoreHarness`, taking LMDB's options too): `open` may be
 * called again after `close` to reopen the same data.
 */
export interface Harness extends StoreHarness {
  open(options?: HarnessOptions): Promise<SessionLog>;
}

export type HarnessFactory = () => Harness;

/** Every directory tempDir() made in this test file; test/support/setup.ts removes them after the file. */
const madeDirs: string[] = [];

export function tempDir(prefix = 'turnlog-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

/** Removes what tempDir() made (a test that removed its own directory already is fine). */
export function removeTempDirs(): void {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export const lmdbHarness: HarnessFactory = () => {
  const dir = tempDir();
  const path = join(dir, 'store');
  const opened: SessionLog[] = [];
  return {
    name: 'lmdb',
    async open(options = {}) {
      const log = openSessionLog({ ...options, path });
      opened.push(log);
      return log;
    },
    async dispose() {
      for (const log of opened) await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

export const memoryHarness: HarnessFactory = () => {
  const backend = new MemoryBackend();
  const opened: SessionLog[] = [];
  return {
    name: 'memory',
    async open(options = {}) {
      const log = openSessionLogOn(backend, options);
      opened.push(log);
      return log;
    },
    async dispose() {
      for (const log of opened) await log.close();
    },
  };
};

/** A fresh PostgreSQL schema per harness (test/support/pg-harness.ts). */
export const postgresHarness: HarnessFactory = () => pgHarness();

/** Whether the PostgreSQL tests run: the server answered, or CI requires it (and its tests then fail, saying why). */
export const WITH_POSTGRES = PG.available || PG_REQUIRED;

/**
 * The stores every store-independent test runs on: LMDB, memory and PostgreSQL (see
 * WITH_POSTGRES; test/support/pg-harness.ts).
 */
export const BACKENDS: Array<[string, HarnessFactory]> = [
  ['lmdb', lmdbHarness],
  ['memory', memoryHarness],
  ...(WITH_POSTGRES ? [['postgres', postgresHarness] as [string, HarnessFactory]] : []),
];

/**
 * A property's CI-sized runs on each store. A PostgreSQL run costs real round trips (about a
 * millisecond a statement) and, where a run makes its own store, a schema (tens of milliseconds
 * to create and to drop), so PostgreSQL runs fewer.
 */
export function runsOn(store: string, runs: { lmdb: number; memory: number; postgres: number }): number {
  return store === 'postgres' ? runs.postgres : store === 'lmdb' ? runs.lmdb : runs.memory;
}
