/**
 * `turnlog/testing`: the conformance suite every turnlog store passes (memory, LMDB,
 * PostgreSQL), for a store of your own to prove itself against. It registers vitest tests, so
 * it needs `vitest` (an optional peer dependency of turnlog); the main `turnlog` entry never
 * loads this module.
 *
 * ```ts
 * import { describe } from 'vitest';
 * import { runConformanceSuite } from 'turnlog/testing';
 * describe('my store', () => runConformanceSuite(() => myHarness()));
 * ```
 */
import { describe } from 'vitest';
import type { StoreHarnessFactory } from './harness.js';
import { writeConformance } from './writes.js';
import { readConformance } from './reads.js';
import { lifecycleConformance } from './lifecycle.js';
import { newestConformance } from './newest.js';
import { forkConformance } from './fork.js';
import { diffConformance } from './diff.js';
import { sizeConformance } from './size.js';

export type { StoreHarness, StoreHarnessFactory, StoreHarnessOptions } from './harness.js';

/**
 * Registers the whole suite (writes, reads, lifecycle and GC, newest-message operations, forks,
 * diffs and session sizes) as
 * vitest `describe`/`it` blocks in the current suite: call it at the top level of a test file or
 * inside a `describe`. Each test gets a fresh store from `factory` and disposes it afterwards.
 */
export function runConformanceSuite(factory: StoreHarnessFactory): void {
  describe('writes', () => writeConformance(factory));
  describe('reads', () => readConformance(factory));
  describe('lifecycle', () => lifecycleConformance(factory));
  describe('newest messages', () => newestConformance(factory));
  describe('forkSession', () => forkConformance(factory));
  describe('diff', () => diffConformance(factory));
  describe('getSessionSize', () => sizeConformance(factory));
}
