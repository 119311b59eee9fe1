/**
 * A bound on one write transaction's work, so GC and purges never hold LMDB's write lock (shared
 * by every process) for long: at most `rows` row operations and about `ms` milliseconds.
 */
export class Budget {
  private left: number;
  private readonly deadline: number;
  readonly startedAt = performance.now();

  constructor(rows: number, ms: number) {
    this.left = rows;
    this.deadline = this.startedAt + ms;
  }

  /** Records `n` row operations; false once the budget is spent. */
  spend(n = 1): boolean {
    this.left -= n;
    return !this.exhausted;
  }

  get exhausted(): boolean {
    return this.left <= 0 || performance.now() >= this.deadline;
  }

  /** Row operations left (at least 1, so every transaction makes some progress). */
  get rowsLeft(): number {
    return Math.max(1, this.left);
  }

  elapsedMs(): number {
    return performance.now() - this.startedAt;
  }
}

/**
 * The first entries of `entries` that fit the budget: at most `rowsLeft`, and none after the time
 * is up (but always at least one). Collected before deleting, since a range is not deleted from
 * while it is walked.
 */
export function takeWithin<T>(entries: Iterable<T>, budget: Budget): T[] {
  const out: T[] = [];
  const max = budget.rowsLeft;
  for (const e of entries) {
    out.push(e);
    if (out.length >= max || budget.exhausted) break;
  }
  return out;
}

/** Rows per GC or purge transaction, and the time budget that stops one earlier. */
export const TXN_ROWS = 2000;
export const TXN_MS = 20;

/**
 * Lets the event loop run (timers, I/O, other requests) between two bounded transactions. A
 * backend may commit synchronously, and awaiting an already-settled promise only yields to
 * microtasks: without this, a long GC or purge would hold the host process for its whole run.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
