/**
 * Group commit: changes submitted during one event-loop turn run in one transaction and are
 * committed once. A gateway's hundred sessions then share one commit (and one disk sync), while
 * a lone writer pays only one `setImmediate` hop.
 *
 * Each change has two phases. `decide` reads and may fail: a change that fails there fails alone
 * (its promise rejects with that error) and has written nothing. The `apply` it returns only
 * writes what was decided; if it throws anyway (the storage engine failed), the transaction is
 * abandoned and every change of the batch fails with that error, so a change is never left
 * half-written. If the commit fails, every change of the batch fails with that error too.
 * Batches never overlap: the next one starts after the previous one settled, so changes apply
 * in the order they were submitted.
 */
export interface Decision<T> {
  /** What the change's promise resolves to once the transaction committed. */
  value: T;
  /** The writes; must not fail for any reason that `decide` could have checked. */
  apply(): void;
}

/** A change as submitted: the read phase, given the transaction's context. */
export type Change<Ctx, T> = (ctx: Ctx) => Decision<T>;

/** Writes per transaction at most: a longer burst is split so the event loop breathes between commits. */
export const MAX_BATCH = 1000;

/** One queued change with its promise, its result type hidden behind closures. */
interface Job<Ctx> {
  run(ctx: Ctx): void;
  settle(): void;
  fail(error: unknown): void;
}

/** Runs `body` in one transaction, commits, and resolves once durable; rejects if the commit failed. */
export type Transact<Ctx> = (body: (ctx: Ctx) => void) => Promise<void>;

export class GroupCommit<Ctx> {
  private queue: Array<Job<Ctx>> = [];
  private scheduled = false;
  private running = false;

  constructor(private readonly transact: Transact<Ctx>) {}

  submit<T>(decide: Change<Ctx, T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
      this.queue.push({
        run(ctx) {
          let decision: Decision<T>;
          try {
            decision = decide(ctx);
          } catch (error) {
            outcome = { ok: false, error };
            return;
          }
          decision.apply(); // throws out of the transaction: the whole batch is abandoned
          outcome = { ok: true, value: decision.value };
        },
        settle() {
          if (outcome === undefined) reject(new Error('group commit: change did not run'));
          else if (outcome.ok) resolve(outcome.value);
          else reject(outcome.error);
        },
        fail: reject,
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    this.running = true;
    const batch = this.queue.splice(0, MAX_BATCH);
    try {
      await this.transact((ctx) => {
        for (const job of batch) job.run(ctx);
      });
      for (const job of batch) job.settle();
    } catch (error) {
      for (const job of batch) job.fail(error);
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
