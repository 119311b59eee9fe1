import { safeCut, plainCut, throughCut } from '../core/history-rules.js';
import { shapesAt } from '../core/message-shapes.js';
import { invalid } from '../errors.js';
import { messageAt, placedAfter, snapshotAt } from './reader.js';
import type { DraftBuilder } from './writer.js';

/**
 * The draft of `setSummary` with validated `text` and `through`: inside the write transaction,
 * a `through` cut is placed against the current state (see core/history-rules.ts).
 */
export function summaryBuilder(text: string, through: number | undefined): DraftBuilder {
  return ({ tx, head }) => {
    if (through === undefined) return { type: 'summary.set', summary: text };
    const version = head?.version ?? 0;
    if (through > version) invalid(`through (${through}) is beyond the session's version (${version})`);
    if (head === undefined || through === 0) return { type: 'summary.set', summary: text, through, start: head?.start ?? 0 };
    const atThrough = snapshotAt(tx, head, through).projection;
    const placed = placedAfter(tx, head, through, atThrough.next);
    const at = messageAt(tx, head.sid, snapshotAt(tx, head, head.version));
    return { type: 'summary.set', summary: text, through, start: throughCut(head.start, head.next, placed, shapesAt(at)) };
  };
}

/** The draft of `truncateHistory` with validated `keep` and `safe`, cut against the current state. */
export function truncateBuilder(keep: number, safe: boolean): DraftBuilder {
  return ({ tx, head }) => {
    const start = head?.start ?? 0;
    const next = head?.next ?? 0;
    if (!safe || head === undefined) return { type: 'history.truncated', keepLast: keep, safe, start: plainCut(start, next, keep) };
    const at = messageAt(tx, head.sid, snapshotAt(tx, head, head.version));
    return { type: 'history.truncated', keepLast: keep, safe: true, start: safeCut(start, next, keep, shapesAt(at)) };
  };
}
