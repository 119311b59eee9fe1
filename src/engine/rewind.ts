import type { EventDraft } from '../core/events.js';
import type { Message } from '../types.js';
import { regionForRemoval } from './checkpoint.js';
import { messagesOf, snapshotAt } from './reader.js';
import type { DraftBuilder } from './writer.js';

/**
 * The draft of `removeLast` (no `messagesJson`) or `replaceLast`: inside the write transaction,
 * the newest `count` visible messages (at most all) are read — O(count), the history before them
 * is not touched — handed to `removed`, and cut at `from`. When the cut reaches messages already
 * sealed in chunks, the event starts a new chunk region (see core/layout.ts).
 */
export function rewindBuilder(count: number, messagesJson: string[] | undefined, removed: (messages: Message[]) => void): DraftBuilder {
  return ({ tx, head }): EventDraft => {
    const k = head === undefined ? 0 : Math.min(count, head.next - head.start);
    const from = (head?.next ?? 0) - k;
    let region: number | undefined;
    if (head !== undefined && k > 0) {
      removed(messagesOf(tx, head.sid, snapshotAt(tx, head, head.version), undefined, from));
      region = regionForRemoval(tx, head, from);
    }
    const withRegion = region === undefined ? {} : { region };
    if (messagesJson === undefined) return { type: 'messages.removed', from, count: k, ...withRegion };
    return { type: 'messages.replaced', from, removed: k, messagesJson, ...withRegion };
  };
}
