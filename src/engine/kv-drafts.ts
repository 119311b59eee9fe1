import type { HeadRecord } from '../core/codec.js';
import type { Change } from '../core/changes.js';
import type { EventDraft } from '../core/events.js';
import { shapesAt } from '../core/message-shapes.js';
import type { CutReader } from '../core/write-rules.js';
import { draftOf, NO_SESSION } from '../core/write-rules.js';
import type { Message } from '../types.js';
import type { ReadTxn } from '../storage/backend.js';
import { regionForRemoval } from './checkpoint.js';
import { messageAt, messagesOf, placedAfter, snapshotAt } from './reader.js';

/**
 * The key-value store's side of a draft: the pure rules of core/write-rules.ts, reading the
 * messages a cut needs from the transaction (lazily: a plain write reads none), plus what only
 * this layout needs — a removal that reaches sealed chunks starts a new chunk region.
 */
export function kvDraft(tx: ReadTxn, head: HeadRecord | undefined, change: Change, restoredStart: number | undefined): { draft: EventDraft; removed: Message[] | undefined } {
  const draft = draftOf(change, head, head === undefined ? NO_SESSION : kvCutReader(tx, head), restoredStart);
  if (draft.type !== 'messages.removed' && draft.type !== 'messages.replaced') return { draft, removed: undefined };
  const k = draft.type === 'messages.removed' ? draft.count : draft.removed;
  if (head === undefined || k === 0) return { draft, removed: [] };
  // O(count): only the removed messages are read, the history before them is not touched.
  const removed = messagesOf(tx, head.sid, snapshotAt(tx, head, head.version), undefined, draft.from);
  const region = regionForRemoval(tx, head, draft.from);
  return { draft: region === undefined ? draft : { ...draft, region }, removed };
}

function kvCutReader(tx: ReadTxn, head: HeadRecord): CutReader {
  let shapeAt: ((pos: number) => ReturnType<CutReader['shapeAt']>) | undefined;
  return {
    shapeAt: (pos) => (shapeAt ??= shapesAt(messageAt(tx, head.sid, snapshotAt(tx, head, head.version))))(pos),
    placedAfter: (through) => placedAfter(tx, head, through, snapshotAt(tx, head, through).projection.next),
  };
}
