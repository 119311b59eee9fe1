import type { SessionLog } from '../engine/session-log.js';
import type { MemorySessionLogOptions } from '../engine/options.js';

/**
 * What a conformance test passes to `StoreHarness.open`: the lifecycle options every store
 * honours, plus the LMDB engine's tuning knobs (`checkpointEvery`, `readCacheBytes`), which a
 * store without checkpoints or a read cache ignores. The suite never relies on those two for
 * what it checks: they only make the LMDB and memory stores take more of their code paths.
 */
export type StoreHarnessOptions = MemorySessionLogOptions;

/**
 * One store for one test. `open` may be called several times: again after `close` (the suite
 * checks that data survives reopening) and while another log on the same store is still open
 * (two handles on one store must see each other's writes).
 */
export interface StoreHarness {
  /** The store's name ('lmdb', 'postgres', …), for the caller's test titles; the suite itself does not read it. */
  readonly name: string;
  /**
   * Opens a `SessionLog` on this harness's store with these lifecycle options (a store may drop
   * the ones it cannot honour, see `StoreHarnessOptions`). Every call opens the same data.
   * Rejects as the store's open does: the suite checks that bad lifecycle options reject with
   * INVALID_ARGUMENT.
   */
  open(options?: StoreHarnessOptions): Promise<SessionLog>;
  /** Closes every log `open` returned that is still open, then removes the store and its data. */
  dispose(): Promise<void>;
}

/** Makes a fresh, empty store for each test. Called once per test, in `beforeEach` or the test itself. */
export type StoreHarnessFactory = () => StoreHarness;
