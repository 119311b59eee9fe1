/**
 * Group commit: writes submitted during one event-loop turn are handed to `run` together, to
 * be applied in one transaction and committed once. A gateway's hundred sessions then share one
 * commit (and one disk sync), while a lone writer pays only one `setImmediate` hop.
 *
 * `run` settles each request on its own (a bad request fails alone); if `run` itself rejects
 * (the commit failed), every request of the batch fails with that error. Batches never
 * overlap: the next one starts after the previous one settled, so writes apply in the order
 * they were submitted.
 */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Writes per transaction at most: a longer burst is split so the event loop breathes between commits. */
export const MAX_BATCH = 1000;

interface Pending<Req, Res> {
  request: Req;
  resolve: (value: Res) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<Req, Res> {
  private queue: Array<Pending<Req, Res>> = [];
  private scheduled = false;
  private running = false;

  constructor(private readonly run: (batch: Req[]) => Promise<Array<Settled<Res>>>) {}

  submit(request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
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
      const outcomes = await this.run(batch.map((p) => p.request));
      batch.forEach((p, i) => {
        const o = outcomes[i];
        if (o === undefined) p.reject(new Error('group commit: no outcome for a request'));
        else if (o.ok) p.resolve(o.value);
        else p.reject(o.error);
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
    }
  }
}
