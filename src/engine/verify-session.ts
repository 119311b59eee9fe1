import { decodeCheckpoint, parseMessage } from '../core/codec.js';
import type { CheckpointRecord, HeadRecord } from '../core/codec.js';
import { checkpointKey } from '../core/layout.js';
import { messageSpan } from '../core/events.js';
import { emptyProjection, foldEvents, projectionsEqual, PROJECTION_FORMAT } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import type { ReadTxn } from '../storage/backend.js';
import type { Message } from '../types.js';
import type { Budget } from './budget.js';
import { headBySid, messagesOf, readEventRange } from './reader.js';
import { describeError, headProblems } from './verify-head.js';
import { HistoryCheck } from './verify-history.js';
import type { VerifyReport } from './verify.js';

/** Events folded, or base messages loaded, per slice: the budget is checked between two. */
const SLICE = 256;

/**
 * Restarts after which a session is checked to the end in one read transaction. A session that
 * GC moves past the fold faster than a sliced check can finish (a huge one, collected often)
 * would otherwise be restarted for ever. The price is one block of the event loop as long as an
 * unsliced check of that session (about 0.8 s for 20,000 messages on a 2-core VM), paid only
 * when GC collected the session twice during its check.
 */
export const MAX_RESTARTS = 2;

/**
 * One session's check, as a fold carried across read transactions. Each step re-reads the head:
 * a session written meanwhile is folded on to its new version; one whose base GC moved past the
 * fold starts again from the new base; one deleted meanwhile is dropped. Every phase (loading
 * the base checkpoint's messages, folding the events, comparing the history) works in slices
 * and stops once the budget is spent, so a session of any size is spread over several steps.
 */
export class SessionCheck {
  private p: Projection | undefined;
  /** Visible messages so far, by position, from the base's chunks and the events' payloads. */
  private readonly messages = new Map<number, Message>();
  private low = 0;
  /** Version of the newest removal of the newest messages seen in the fold (0: none). */
  private lastRemoval = 0;
  private events = 0;
  private checkpoints = 0;
  /** The base checkpoint while its messages are loaded, and the next position to load. */
  private base: CheckpointRecord | undefined;
  private loaded = 0;
  /** Once the fold reached the head: the problems found so far and the history comparison. */
  private finishing: { problems: string[]; history: HistoryCheck | undefined } | undefined;
  /** Times GC moved the base past the fold, so that it started again. */
  private restarts = 0;

  constructor(
    private readonly sid: number,
    private readonly report: VerifyReport,
  ) {}

  /** True once GC restarted this check MAX_RESTARTS times: the rest should run unsliced. */
  get churned(): boolean {
    return this.restarts >= MAX_RESTARTS;
  }

  /** Works within the budget (at least one slice); true when this session is done. */
  step(tx: ReadTxn, budget: Budget): boolean {
    let head: HeadRecord | undefined;
    try {
      head = headBySid(tx, this.sid);
    } catch (error) {
      this.report.mismatches.push({ key: `#${this.sid}`, problem: describeError(error) });
      // As for any session that cannot be read through: none of its events are counted.
      this.events = 0;
      this.checkpoints = 0;
      return this.done();
    }
    if (head === undefined) return true; // deleted since it was listed
    try {
      if (this.p === undefined || head.base > this.p.version) {
        if (this.p !== undefined) this.restarts++;
        if (!this.begin(tx, head)) return this.done();
        budget.spend(1);
      }
      if (!this.loadBase(tx, budget)) return false;
      if (this.finishing === undefined) {
        if (!this.foldTo(tx, head.version, budget)) return false;
        this.finishing = this.compare(tx, head);
      }
      if (this.finishing.history !== undefined && !this.finishing.history.step(tx, head, budget)) return false;
      this.settle(head);
    } catch (error) {
      this.flushProblems(head);
      this.problem(head, describeError(error));
      // How far the fold got depends on where the slices fell: a session that could not be read
      // through counts none of its events, so the report is the same however it was sliced.
      this.events = 0;
      this.checkpoints = 0;
    }
    return this.done();
  }

  private done(): true {
    this.report.sessions++;
    this.report.events += this.events;
    this.report.checkpoints += this.checkpoints;
    return true;
  }

  private problem(head: HeadRecord, problem: string): void {
    this.report.mismatches.push({ key: head.key, problem });
  }

  private flushProblems(head: HeadRecord): void {
    for (const problem of this.finishing?.problems ?? []) this.problem(head, problem);
    this.finishing = undefined;
  }

  /** Starts (or restarts) the fold at the head's base; false when the base is unusable. */
  private begin(tx: ReadTxn, head: HeadRecord): boolean {
    this.messages.clear();
    this.lastRemoval = 0;
    this.events = 0;
    this.checkpoints = 0;
    this.base = undefined;
    this.finishing = undefined;
    let start = emptyProjection();
    if (head.base > 0) {
      const raw = tx.get('checkpoints', checkpointKey(head.sid, head.base));
      if (raw === undefined) return void this.problem(head, `base checkpoint ${head.base} is missing`), false;
      const cp = decodeCheckpoint(raw);
      if (cp.projectionFormat !== PROJECTION_FORMAT) return void this.problem(head, `base checkpoint ${head.base} has fold format ${cp.projectionFormat}`), false;
      start = cp.projection;
      this.base = cp;
    }
    this.p = start;
    this.low = start.start;
    this.loaded = start.start;
    return true;
  }

  /** Loads the base checkpoint's messages from its chunks, slice by slice; true when all are in. */
  private loadBase(tx: ReadTxn, budget: Budget): boolean {
    const cp = this.base;
    if (cp === undefined) return true;
    const start = cp.projection;
    do {
      const hi = Math.min(start.next, this.loaded + Math.min(SLICE, budget.rowsLeft));
      const page = messagesOf(tx, this.sid, { projection: { ...start, next: hi }, base: cp, tail: [] }, undefined, this.loaded);
      page.forEach((m, i) => this.messages.set(this.loaded + i, m));
      budget.spend(hi - this.loaded);
      this.loaded = hi;
      if (hi >= start.next) {
        this.base = undefined;
        return true;
      }
    } while (!budget.exhausted);
    return false;
  }

  /** Folds towards `version`, slice by slice (at least one); true once the fold is there. */
  private foldTo(tx: ReadTxn, version: number, budget: Budget): boolean {
    for (;;) {
      const at = (this.p as Projection).version;
      if (at >= version) return true;
      this.fold(tx, at, Math.min(version, at + Math.min(SLICE, budget.rowsLeft)), budget);
      if (budget.exhausted) return (this.p as Projection).version >= version;
    }
  }

  private historyCheck(): HistoryCheck {
    const p = this.p as Projection;
    return new HistoryCheck(p.version, p.start, p.next, (pos) => this.messages.get(pos));
  }

  /**
   * Folds events (after, upTo], checking each checkpoint on the way and keeping the payloads;
   * stops after the event that spends the budget (an event and each message it places count one).
   */
  private fold(tx: ReadTxn, after: number, upTo: number, budget: Budget): void {
    const checkpoints = new Map<number, Projection>();
    for (const e of tx.range('checkpoints', { low: checkpointKey(this.sid, after + 1), high: checkpointKey(this.sid, upTo + 1) })) {
      const cp = decodeCheckpoint(e.value);
      if (cp.projectionFormat === PROJECTION_FORMAT) checkpoints.set(cp.projection.version, cp.projection);
    }
    let p = this.p as Projection;
    for (const e of readEventRange(tx, this.sid, after, upTo)) {
      p = foldEvents(p, [e]);
      this.events++;
      if (e.type === 'messages.removed' || e.type === 'messages.replaced') this.lastRemoval = e.version;
      const span = messageSpan(e);
      if (span !== undefined) span.messagesJson.forEach((json, i) => this.messages.set(span.from + i, parseMessage(json)));
      const cp = checkpoints.get(e.version);
      if (cp !== undefined) {
        this.checkpoints++;
        if (!projectionsEqual(cp, p)) this.report.mismatches.push({ key: headKeyOf(tx, this.sid), problem: `checkpoint ${e.version} differs from the fold of the events` });
      }
      if (!budget.spend(1 + (span?.messagesJson.length ?? 0))) break;
    }
    this.p = p;
    // Messages cut from the front are no longer needed.
    for (; this.low < p.start; this.low++) this.messages.delete(this.low);
  }

  /** The checks against the head, state and indexes, then the history comparison (unless the state is unreadable). */
  private compare(tx: ReadTxn, head: HeadRecord): { problems: string[]; history: HistoryCheck | undefined } {
    const found = headProblems(tx, head, this.p as Projection, this.lastRemoval);
    return { problems: found.problems, history: found.complete ? this.historyCheck() : undefined };
  }

  /** Reports what the finished comparison found. */
  private settle(head: HeadRecord): void {
    const outcome = this.finishing?.history?.outcome();
    this.flushProblems(head);
    if (outcome === undefined) return;
    if (outcome.problem !== undefined) return this.problem(head, describeError(outcome.problem));
    if (outcome.missing !== undefined) return this.problem(head, `message ${outcome.missing} is in neither the base checkpoint nor an event`);
    if (outcome.differs) this.problem(head, 'history read through checkpoints differs from the full replay');
    if (outcome.orphans.length > 0) this.report.orphanedResults.push({ key: head.key, indexes: outcome.orphans });
  }
}

function headKeyOf(tx: ReadTxn, sid: number): string {
  return headBySid(tx, sid)?.key ?? `#${sid}`;
}
