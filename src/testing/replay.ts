import type { Message, SessionEvent } from '../types.js';
import { placedViews } from './placed.js';

/**
 * Re-folds public events from scratch, with none of the engine's code: the yardstick for
 * "checkpoint + tail ≡ fold of every event". replay[v] is the state right after version v
 * (the placed views of placed.ts, without the placing versions).
 */
export function replayEvents(events: SessionEvent[]): Array<{ history: Message[]; summary: string; metadata: Record<string, unknown> }> {
  return placedViews(events).map((v) => ({ history: v.messages.map((p) => p.message), summary: v.summary, metadata: v.metadata }));
}
