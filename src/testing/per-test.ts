import { afterEach, beforeEach } from 'vitest';
import type { SessionLog } from '../engine/session-log.js';
import type { StoreHarnessFactory, StoreHarnessOptions } from './harness.js';

/** The clock every conformance test starts at (ms since epoch); a test moves it by hand. */
export const START_TIME = 1_700_000_000_000;

/** One fresh store per test, with a clock the test owns (no sleeps: the test moves `now`). */
export interface PerTestStore {
  /** The store clock's current time, ms since epoch; set it to move time. */
  now: number;
  /** Opens a log on this test's store: the clock, `checkpointEvery: 4`, then `options`. */
  open(options?: StoreHarnessOptions): Promise<SessionLog>;
}

/** Registers the `beforeEach`/`afterEach` that make and dispose each test's store. */
export function perTestStore(factory: StoreHarnessFactory): PerTestStore {
  let harness: ReturnType<StoreHarnessFactory> | undefined;
  const t: PerTestStore = {
    now: START_TIME,
    open: (options = {}) => {
      if (harness === undefined) throw new Error('perTestStore: open() is for use inside a test');
      return harness.open({ clock: () => t.now, checkpointEvery: 4, ...options });
    },
  };
  beforeEach(() => {
    harness = factory();
    t.now = START_TIME;
  });
  afterEach(async () => {
    await harness?.dispose();
    harness = undefined;
  });
  return t;
}
