import type { HeadRecord } from '../core/codec.js';
import { OrphanScan } from '../core/message-shapes.js';
import type { ReadTxn } from '../storage/backend.js';
import type { Message } from '../types.js';
import type { Budget } from './budget.js';
import { messagesOf, snapshotAt } from './reader.js';
import type { Snapshot } from './reader.js';

/** Messages compared per slice: the budget is checked between two. */
const SLICE = 256;

/**
 * The last comparison of a session's check: the history a reader gets at `version` (newest
 * checkpoint + tail) against the full replay (base chunks + every event's payload), in slices
 * of positions spread over read transactions, so a session of any length never holds the event
 * loop for long. Each slice reads the snapshot at `version` afresh: writes after it do not
 * change what it holds; a GC that moves the base past it restarts the session's check.
 *
 * What it reports is what one comparison of the whole history would: an error reading the
 * history wins, then the first position the replay misses, then a difference; orphaned results
 * only when the replay holds every position.
 */
export class HistoryCheck {
  private pos: number;
  private readerError: unknown;
  private missing: number | undefined;
  private differs = false;
  private readonly orphans = new OrphanScan();

  constructor(
    readonly version: number,
    private readonly start: number,
    private readonly next: number,
    private readonly replayed: (pos: number) => Message | undefined,
  ) {
    this.pos = start;
  }

  /** Compares slices within the budget (at least one); true when every position is compared. */
  step(tx: ReadTxn, head: HeadRecord, budget: Budget): boolean {
    let snap: Snapshot | undefined;
    do {
      if (this.pos >= this.next || this.readerError !== undefined) return true;
      snap ??= snapshotAt(tx, head, this.version);
      const hi = Math.min(this.next, this.pos + Math.min(SLICE, budget.rowsLeft));
      this.slice(tx, head.sid, snap, hi);
      budget.spend(hi - this.pos);
      this.pos = hi;
    } while (!budget.exhausted);
    return this.pos >= this.next || this.readerError !== undefined;
  }

  /** The problem to report (undefined: none) and the orphaned results' indexes in the history. */
  outcome(): { problem?: unknown; missing?: number; differs: boolean; orphans: number[] } {
    if (this.readerError !== undefined) return { problem: this.readerError, differs: false, orphans: [] };
    if (this.missing !== undefined) return { missing: this.missing, differs: false, orphans: [] };
    return { differs: this.differs, orphans: this.orphans.found };
  }

  private slice(tx: ReadTxn, sid: number, snap: Snapshot, hi: number): void {
    let read: Message[];
    try {
      // The snapshot cut at `hi`, read from `pos`: the messages a whole read holds at [pos, hi).
      read = messagesOf(tx, sid, { ...snap, projection: { ...snap.projection, next: hi } }, undefined, this.pos);
    } catch (error) {
      this.readerError = error;
      return;
    }
    if (this.missing !== undefined) return; // only an error reading the history is left to find
    const replayed: Message[] = [];
    for (let p = this.pos; p < hi; p++) {
      const m = this.replayed(p);
      if (m === undefined) {
        this.missing = p;
        return;
      }
      replayed.push(m);
    }
    if (!this.differs && JSON.stringify(read) !== JSON.stringify(replayed)) this.differs = true;
    for (const m of replayed) this.orphans.add(m);
  }
}
