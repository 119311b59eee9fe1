import { decodeCheckpoint, decodeNumber, decodeRecentEntry, parseMessage } from '../core/codec.js';
import type { HeadRecord } from '../core/codec.js';
import { checkpointKey, dirKey, recentKey } from '../core/layout.js';
import { messageSpan } from '../core/events.js';
import { orphanResults } from '../core/message-shapes.js';
import { emptyProjection, foldEvents, projectionsEqual, PROJECTION_FORMAT } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import type { ReadTxn } from '../storage/backend.js';
import { TurnlogError } from '../errors.js';
import type { Message } from '../types.js';
import type { Budget } from './budget.js';
import { headBySid, messagesOf, readEventRange, readState, snapshotAt } from './reader.js';
import type { VerifyReport } from './verify.js';

/**
 * One session's check, as a fold carried across read transactions. Each step re-reads the head:
 * a session written meanwhile is folded on to its new version; one whose base GC moved past the
 * fold starts again from the new base; one deleted meanwhile is dropped.
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

  constructor(
    private readonly sid: number,
    private readonly report: VerifyReport,
  ) {}

  /** Works within the budget; true when this session is done. */
  step(tx: ReadTxn, budget: Budget): boolean {
    let head: HeadRecord | undefined;
    try {
      head = headBySid(tx, this.sid);
    } catch (error) {
      this.report.mismatches.push({ key: `#${this.sid}`, problem: describeError(error) });
      return this.done();
    }
    if (head === undefined) return true; // deleted since it was listed
    try {
      if (this.p === undefined || head.base > this.p.version) {
        if (!this.begin(tx, head)) return this.done();
        budget.spend(1);
      }
      const p0 = this.p as Projection;
      const upTo = Math.min(head.version, p0.version + budget.rowsLeft);
      this.fold(tx, p0.version, upTo);
      budget.spend(upTo - p0.version);
      if ((this.p as Projection).version < head.version) return false;
      this.finish(tx, head);
    } catch (error) {
      this.problem(head, describeError(error));
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

  /** Starts (or restarts) the fold at the head's base; false when the base is unusable. */
  private begin(tx: ReadTxn, head: HeadRecord): boolean {
    this.messages.clear();
    this.lastRemoval = 0;
    this.events = 0;
    this.checkpoints = 0;
    let start = emptyProjection();
    if (head.base > 0) {
      const raw = tx.get('checkpoints', checkpointKey(head.sid, head.base));
      if (raw === undefined) return void this.problem(head, `base checkpoint ${head.base} is missing`), false;
      const cp = decodeCheckpoint(raw);
      if (cp.projectionFormat !== PROJECTION_FORMAT) return void this.problem(head, `base checkpoint ${head.base} has fold format ${cp.projectionFormat}`), false;
      start = cp.projection;
      const baseMessages = messagesOf(tx, head.sid, { projection: start, base: cp, tail: [] });
      baseMessages.forEach((m, i) => this.messages.set(start.start + i, m));
    }
    this.p = start;
    this.low = start.start;
    return true;
  }

  /** Folds events (after, upTo], checking each checkpoint on the way and keeping the payloads. */
  private fold(tx: ReadTxn, after: number, upTo: number): void {
    const checkpoints = new Map<number, Projection>();
    for (const e of tx.range('checkpoints', { low: checkpointKey(this.sid, after + 1), high: checkpointKey(this.sid, upTo + 1) })) {
      const cp = decodeCheckpoint(e.value);
      if (cp.projectionFormat === PROJECTION_FORMAT) checkpoints.set(cp.projection.version, cp.projection);
    }
    this.checkpoints += checkpoints.size;
    let p = this.p as Projection;
    const events = readEventRange(tx, this.sid, after, upTo);
    this.events += events.length;
    for (const e of events) {
      p = foldEvents(p, [e]);
      if (e.type === 'messages.removed' || e.type === 'messages.replaced') this.lastRemoval = e.version;
      const span = messageSpan(e);
      if (span !== undefined) span.messagesJson.forEach((json, i) => this.messages.set(span.from + i, parseMessage(json)));
      const cp = checkpoints.get(e.version);
      if (cp !== undefined && !projectionsEqual(cp, p)) this.report.mismatches.push({ key: headKeyOf(tx, this.sid), problem: `checkpoint ${e.version} differs from the fold of the events` });
    }
    this.p = p;
    // Messages cut from the front are no longer needed.
    for (; this.low < p.start; this.low++) this.messages.delete(this.low);
  }

  /** The comparisons against the head, the state, the indexes and a reader's history. */
  private finish(tx: ReadTxn, head: HeadRecord): void {
    const p = this.p as Projection;
    const dir = tx.get('dir', dirKey(head.key));
    if (dir === undefined || decodeNumber(dir, 'directory') !== head.sid) this.problem(head, 'directory entry missing or pointing elsewhere');
    const recent = tx.get('recent', recentKey(head.updatedAt, head.sid));
    if (recent === undefined) this.problem(head, 'missing from the recency index');
    else {
      // Listings trust the version an entry names (entries from before it was stored name none).
      const named = decodeRecentEntry(recent, () => `recency entry of session #${head.sid}`);
      if (named !== undefined && named !== head.version) this.problem(head, `the recency index names version ${named}, the head is at ${head.version}`);
    }
    if (p.version !== head.version || p.start !== head.start || p.next !== head.next || p.createdAt !== head.createdAt || p.updatedAt !== head.updatedAt) {
      this.problem(head, `head (v${head.version} [${head.start}, ${head.next})) differs from the fold (v${p.version} [${p.start}, ${p.next}))`);
    }
    if (JSON.stringify(head.regions ?? []) !== JSON.stringify(p.regions ?? [])) this.problem(head, 'chunk regions of the head differ from the fold of the events');
    // `through` cuts trust the head's last removal: it must name the newest one the log holds.
    const recorded = head.lastRemoval ?? 0;
    if (this.lastRemoval > 0 ? recorded !== this.lastRemoval : recorded > head.base) this.problem(head, `the head's last removal (v${recorded}) differs from the log (v${this.lastRemoval})`);
    const state = readState(tx, head.sid);
    if (state.summary !== p.summary) this.problem(head, 'summary differs from the fold of the events');
    if (JSON.stringify(state.metadata) !== JSON.stringify(p.metadata)) this.problem(head, 'metadata differs from the fold of the events');
    // The history a reader gets (newest checkpoint + tail) against base chunks + every event.
    const viaCheckpoints = JSON.stringify(messagesOf(tx, head.sid, snapshotAt(tx, head, head.version)));
    const replayed: Message[] = [];
    for (let pos = p.start; pos < p.next; pos++) {
      const m = this.messages.get(pos);
      if (m === undefined) return this.problem(head, `message ${pos} is in neither the base checkpoint nor an event`);
      replayed.push(m);
    }
    if (viaCheckpoints !== JSON.stringify(replayed)) this.problem(head, 'history read through checkpoints differs from the full replay');
    const orphans = orphanResults(replayed);
    if (orphans.length > 0) this.report.orphanedResults.push({ key: head.key, indexes: orphans });
  }
}

function describeError(error: unknown): string {
  return error instanceof TurnlogError ? `${error.code}: ${error.message}` : String(error);
}

function headKeyOf(tx: ReadTxn, sid: number): string {
  return headBySid(tx, sid)?.key ?? `#${sid}`;
}
