/**
 * How far one chat's agent loop has got, shared with the summariser: the signals that fix where
 * a summary lands in the chat's log. The summariser's "LLM call" ends when the agent has
 * appended a given number of further messages (`reached`), and the agent, at that point, waits
 * for the summary to be written (`landing`) before its next append. Both wait on each other's
 * progress, never on elapsed time or event-loop turns, so a summary lands at the same version
 * however fast the store commits.
 */
export class ChatProgress {
  /** Messages the agent has appended (each append awaited). */
  private count = 0;
  private waiters: Array<{ at: number; resolve: () => void }> = [];
  private pending: { at: number; written: Promise<void> } | undefined;

  get appended(): number {
    return this.count;
  }

  /** Resolves once the agent has appended `count` messages in all. */
  reached(count: number): Promise<void> {
    if (this.count >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ at: count, resolve }));
  }

  /** The summary being made lands once `at` messages are appended: the agent waits for `written` there. */
  expect(at: number, written: Promise<void>): void {
    this.pending = { at, written };
  }

  /**
   * Called by the agent after each append resolves: wakes the summariser's calls that waited for
   * this many messages, and returns the summary write that must land before the next append, if
   * this is its point.
   */
  appendedOne(): Promise<void> | undefined {
    this.count++;
    for (const w of this.waiters.filter((x) => x.at <= this.count)) w.resolve();
    this.waiters = this.waiters.filter((x) => x.at > this.count);
    if (this.pending === undefined || this.pending.at !== this.count) return undefined;
    const { written } = this.pending;
    this.pending = undefined;
    return written;
  }
}
