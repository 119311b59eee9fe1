/** Options of `gc()`. */
export interface GcOptions {
  /** Count what would be removed, remove nothing. Default false. */
  dryRun?: boolean;
  /** The time GC acts at, ms since the epoch. Default: the log's clock. */
  now?: number;
  /** Called after each GC transaction (a dry run: after each read page) with the running totals, for progress displays. */
  onProgress?: (report: GcReport) => void;
  /**
   * The clock-jump guard: the largest share of the live sessions (a fraction from 0 to 1) this
   * run may expire through `ttl`. When more sessions than that are idle past the ttl (and more
   * than 10), none is expired and `expiryHeldBack` says how many were due; `1` turns the guard
   * off. Default: the log's `maxExpireShare` option (0.5).
   */
  maxExpireShare?: number;
}

export interface GcReport {
  dryRun: boolean;
  /** Sessions removed because they were idle longer than `ttl`. */
  sessionsExpired: number;
  /**
   * Sessions idle past the ttl that were kept because expiring them would remove more than
   * `maxExpireShare` of the store (a clock jump, or a store unused for longer than its ttl).
   * 0 when the guard did not act.
   */
  expiryHeldBack: number;
  /**
   * True when compaction was skipped because the clock looked jumped (the run held expiry back):
   * a clock far ahead would otherwise fold away every session's replay history. The next run
   * with a sane clock compacts as usual.
   */
  compactionHeldBack: boolean;
  /** Sessions whose log was folded into a newer base checkpoint. */
  sessionsCompacted: number;
  eventsRemoved: number;
  checkpointsRemoved: number;
  chunksRemoved: number;
  /** Bytes of the records removed (values). */
  bytesRemoved: number;
  /** Write transactions GC used (0 in a dry run). */
  transactions: number;
  /** The longest time one GC transaction spent holding the write lock (its callback), in ms. */
  longestTransactionMs: number;
  durationMs: number;
  /**
   * True when `close()` cut the run short: it stopped at the next transaction (or read page)
   * boundary, and the counts are what it did until then. The next run carries on.
   */
  stopped: boolean;
}

/**
 * Tells long maintenance work (GC, purges, verify) to stop at its next transaction or page
 * boundary; `close()` passes an AbortSignal (a type of its own, so the public declarations do
 * not need the DOM or Node.js types).
 */
export interface StopSignal {
  readonly aborted: boolean;
}

/** What one GC run acts on, resolved from the log's options and the call's. */
export interface GcPolicy {
  /** ms since the epoch. */
  now: number;
  /** ms; Infinity = never expire. */
  ttl: number;
  /** ms; Infinity = keep every version. */
  replayWindow: number;
  chunkBytes: number;
  /** 0..1; 1 = no guard. */
  maxExpireShare: number;
}

export function emptyReport(dryRun: boolean): GcReport {
  return {
    dryRun,
    sessionsExpired: 0,
    expiryHeldBack: 0,
    compactionHeldBack: false,
    sessionsCompacted: 0,
    eventsRemoved: 0,
    checkpointsRemoved: 0,
    chunksRemoved: 0,
    bytesRemoved: 0,
    transactions: 0,
    longestTransactionMs: 0,
    durationMs: 0,
    stopped: false,
  };
}
