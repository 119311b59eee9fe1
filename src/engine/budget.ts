/**
 * Where a budget reads the time: milliseconds from any fixed origin. Injectable, so tests can
 * drive a budget deterministically (a clock that moves one ms per reading runs out after that
 * many checks).
 */
export type BudgetClock = () => number;

export const monotonicClock: BudgetClock = () => performance.now();

/**
 * A bound on one stretch of maintenance work: at most `rows` row operations (events folded,
 * messages compared, rows removed) and about `ms` milliseconds. It keeps GC and purges from
 * holding LMDB's write lock (shared by every process) for long, and every maintenance operation
 * from holding the host's event loop for long: the work yields once its budget is spent.
 */
export class Budget {
  private left: number;
  private readonly deadline: number;
  readonly startedAt: number;

  constructor(
    rows: number,
    ms: number,
    private readonly clock: BudgetClock = monotonicClock,
  ) {
    this.left = rows;
    this.startedAt = clock();
    this.deadline = this.startedAt + ms;
  }

  /** Records `n` row operations; false once the budget is spent. */
  spend(n = 1): boolean {
    this.left -= n;
    return !this.exhausted;
  }

  get exhausted(): boolean {
    return this.left <= 0 || this.clock() >= this.deadline;
  }

  /** Row operations left (at least 1, so every transaction makes some progress). */
  get rowsLeft(): number {
    return Math.max(1, this.left);
  }

  elapsedMs(): number {
    return this.clock() - this.startedAt;
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
 * Work between two turns of the event loop for read-only maintenance (verify, a GC dry run):
 * rows read or compared, and about this many ms.
 */
export const READ_ROWS = 2000;
export const READ_MS = 10;

/**
 * Lets the event loop run (timers, I/O, other requests) between two bounded transactions. A
 * backend may commit synchronously, and awaiting an already-settled promise only yields to
 * microtasks: without this, a long GC or purge would hold the host process for its whole run.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Successive budgets with a turn of the event loop between two, for work made of many short
 * steps (reads of a dry run, pages of a count): each step spends from `current`, then awaits
 * `next()`, which yields only once the budget is spent.
 */
export class Slices {
  private budget: Budget;
  /** Turns of the event loop given so far. */
  yields = 0;

  constructor(
    private readonly rows: number,
    private readonly ms: number,
    private readonly clock: BudgetClock = monotonicClock,
  ) {
    this.budget = new Budget(rows, ms, clock);
  }

  get current(): Budget {
    return this.budget;
  }

  async next(): Promise<void> {
    if (!this.budget.exhausted) return;
    await yieldToEventLoop();
    this.yields++;
    this.budget = new Budget(this.rows, this.ms, this.clock);
  }
}
