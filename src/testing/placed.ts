import type { DiffMessage, Message, SessionEvent } from '../types.js';

/** A visible message with its position and the version of the event that placed it there. */
export interface Placed {
  position: number;
  placedBy: number;
  message: Message;
}

/** A session's view after one version, by placement: the yardstick for diffs. */
export interface PlacedView {
  messages: Placed[];
  summary: string;
  metadata: Record<string, unknown>;
}

/**
 * Re-folds public events from scratch (none of the engine's code), keeping for each position the
 * event that placed it: two views hold "the same message" exactly when position and placing
 * event agree. views[v] is the view right after version v.
 */
export function placedViews(events: SessionEvent[]): PlacedView[] {
  const byPos = new Map<number, Placed>();
  let start = 0;
  let next = 0;
  let summary = '';
  let metadata: Record<string, unknown> = {};
  const out: PlacedView[] = [{ messages: [], summary: '', metadata: {} }];
  const place = (e: SessionEvent & { from: number; messages: Message[] }): void => e.messages.forEach((message, i) => byPos.set(e.from + i, { position: e.from + i, placedBy: e.version, message }));
  for (const e of events) {
    if (e.version !== out.length) throw new Error(`gap before version ${e.version}`);
    switch (e.type) {
      case 'messages.added':
      case 'history.replaced':
      case 'messages.replaced':
        if (e.type === 'history.replaced') start = e.from;
        place(e);
        next = e.from + e.messages.length;
        break;
      case 'session.forked':
        place(e);
        start = e.from;
        next = e.from + e.messages.length;
        summary = e.summary;
        metadata = { ...e.metadata };
        break;
      case 'history.truncated':
        start = e.start;
        break;
      case 'summary.set':
        summary = e.summary;
        if (e.start !== undefined) start = e.start;
        break;
      case 'messages.removed':
        next = e.from;
        break;
      case 'metadata.updated':
        metadata = { ...metadata };
        for (const [k, v] of Object.entries(e.patch)) if (v === null) delete metadata[k];
        else metadata[k] = v;
        break;
    }
    const messages: Placed[] = [];
    for (let p = start; p < next; p++) messages.push(byPos.get(p) as Placed);
    out.push({ messages, summary, metadata });
  }
  return out;
}

/** The messages of `a` that `b` does not hold (same position and placing event), oldest first. */
export function placedOnlyIn(a: PlacedView, b: PlacedView): DiffMessage[] {
  const inB = new Set(b.messages.map((m) => `${m.position}@${m.placedBy}`));
  return a.messages.filter((m) => !inB.has(`${m.position}@${m.placedBy}`)).map((m) => ({ position: m.position, message: m.message }));
}
