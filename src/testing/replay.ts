import type { Message, SessionEvent } from '../types.js';

/**
 * Re-folds public events from scratch, with none of the engine's code: the yardstick for
 * "checkpoint + tail ≡ fold of every event". replay[v] is the state right after version v.
 */
export function replayEvents(events: SessionEvent[]): Array<{ history: Message[]; summary: string; metadata: Record<string, unknown> }> {
  const byPos = new Map<number, Message>();
  let start = 0;
  let next = 0;
  let summary = '';
  let metadata: Record<string, unknown> = {};
  const out = [{ history: [] as Message[], summary: '', metadata: {} }];
  for (const e of events) {
    if (e.version !== out.length) throw new Error(`gap before version ${e.version}`);
    switch (e.type) {
      case 'messages.added':
      case 'history.replaced':
        if (e.type === 'history.replaced') start = e.from;
        e.messages.forEach((m, i) => byPos.set(e.from + i, m));
        next = e.from + e.messages.length;
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
      case 'messages.replaced':
        e.messages.forEach((m, i) => byPos.set(e.from + i, m));
        next = e.from + e.messages.length;
        break;
      case 'session.forked':
        e.messages.forEach((m, i) => byPos.set(e.from + i, m));
        start = e.from;
        next = e.from + e.messages.length;
        summary = e.summary;
        metadata = { ...e.metadata };
        break;
      case 'metadata.updated':
        metadata = { ...metadata };
        for (const [k, v] of Object.entries(e.patch)) if (v === null) delete metadata[k];
        else metadata[k] = v;
        break;
    }
    const history: Message[] = [];
    for (let p = start; p < next; p++) history.push(byPos.get(p) as Message);
    out.push({ history, summary, metadata });
  }
  return out;
}
