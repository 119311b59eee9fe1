import { applyEvent } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import type { LogEvent } from '../core/events.js';
import type { HeadRecord } from '../core/codec.js';
import type { Backend } from '../storage/backend.js';
import type { Message, SessionEvent } from '../types.js';
import { messagesOf, readEventPage, readState, sameSession, snapshotAt } from './reader.js';
import { toPublicEvent } from './public-events.js';

/** What one event changed in the history an agent would get. */
export interface ReplayStep {
  event: SessionEvent;
  /** Messages that became visible. */
  added: Message[];
  /** Messages that stopped being visible (cut by a truncation or summary, replaced, or removed from the end). */
  removed: Message[];
  /** Visible message count after the event. */
  messageCount: number;
  /** The summary after the event, and whether this event changed it. */
  summary: string;
  summaryChanged: boolean;
  /** The metadata after the event. */
  metadata: Record<string, unknown>;
}

const PAGE = 256;

/**
 * Steps through a session's events from `fromVersion` (default: the oldest readable) and yields,
 * for each, the change to the projection. Holds only the visible messages in memory; reads the
 * log in pages of short read transactions. Between pages, GC or a deletion may run: the next
 * page then throws PRUNED (with `oldestReadable`) or NOT_FOUND, never CORRUPT.
 */
export function* replaySteps(backend: Backend, head: HeadRecord, fromVersion: number, toVersion: number): Iterable<ReplayStep> {
  if (fromVersion > toVersion || fromVersion > head.version) return;
  const startAt = Math.max(head.base, fromVersion - 1);
  let { projection, visible } = backend.read((tx) => {
    // GC or a deletion may have run since the caller read `head`: start from the current one.
    const current = sameSession(tx, head);
    const snap = snapshotAt(tx, current, startAt);
    const state = startAt === current.version ? readState(tx, head.sid) : undefined;
    const p = state === undefined ? snap.projection : { ...snap.projection, summary: state.summary };
    return { projection: p, visible: messagesOf(tx, head.sid, snap) };
  });
  // position → message, for the visible range only
  let byPos = new Map<number, Message>(visible.map((m, i) => [projection.start + i, m]));
  visible = [];
  for (let v = startAt + 1; v <= toVersion; v += PAGE) {
    const upTo = Math.min(toVersion, v + PAGE - 1);
    const events = backend.read((tx) => readEventPage(tx, head, v - 1, upTo));
    for (const stored of events) {
      const step = replayStep(projection, byPos, stored);
      byPos = step.byPos;
      projection = step.projection;
      yield step.step;
    }
  }
}

/**
 * One replay step, pure: what `stored` changed, given the projection before it and its visible
 * messages by position (updated in place, or replaced when a cut dropped some). Shared by every store.
 */
export function replayStep(projection: Projection, byPos: Map<number, Message>, stored: LogEvent): { step: ReplayStep; projection: Projection; byPos: Map<number, Message> } {
  const event = toPublicEvent(stored);
  const next = applyEvent(projection, stored);
  const removed: Message[] = [];
  // A removal of the newest messages: positions [from, old next) stop being visible first.
  if (event.type === 'messages.removed' || event.type === 'messages.replaced') {
    for (let p = event.from; p < projection.next; p++) {
      const m = byPos.get(p);
      if (m !== undefined) removed.push(m);
      byPos.delete(p);
    }
  }
  const added: Message[] = [];
  if (event.type === 'messages.added' || event.type === 'history.replaced' || event.type === 'messages.replaced' || event.type === 'session.forked') {
    event.messages.forEach((m, i) => {
      byPos.set(event.from + i, m);
      added.push(m);
    });
  }
  for (let p = projection.start; p < Math.min(next.start, projection.next); p++) {
    const m = byPos.get(p);
    if (m !== undefined) removed.push(m);
  }
  let kept = byPos;
  if (next.start > projection.start) {
    kept = new Map<number, Message>();
    for (const [p, m] of byPos) if (p >= next.start) kept.set(p, m);
  }
  const step: ReplayStep = {
    event,
    added,
    removed,
    messageCount: next.next - next.start,
    summary: next.summary,
    summaryChanged: next.summary !== projection.summary,
    metadata: next.metadata,
  };
  return { step, projection: next, byPos: kept };
}
