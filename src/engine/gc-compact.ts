import { decodeCheckpoint, decodeChunk, encodeCheckpoint, encodeHead, eventsInRow } from '../core/codec.js';
import type { HeadRecord } from '../core/codec.js';
import { CHECKPOINT_SCAN, chooseBase, nextReviewAt } from '../core/gc-plan.js';
import type { CheckpointTime } from '../core/gc-plan.js';
import { checkKey, checkpointKey, chunkKey, eventKey, gcqKey, KEY_BOTTOM, lastRegion, regionPieces, REGION_SPAN, sidKey, keyNumber, keyAfter } from '../core/layout.js';
import type { Key, Regions, Table } from '../core/layout.js';
import { PROJECTION_FORMAT } from '../core/projection.js';
import type { ReadTxn, WriteTxn } from '../storage/backend.js';
import { takeWithin } from './budget.js';
import type { Budget } from './budget.js';
import { sealPlan } from './checkpoint.js';
import { adjustCounters } from './counters.js';
import type { GcPolicy, GcReport } from './gc-report.js';
import { headBySid, readState, snapshotAt } from './reader.js';

/**
 * Compaction: a session's versions older than the replay window are folded into a base
 * checkpoint and the rows below it removed. Every step reads and removes at most what the budget
 * allows (CHECKPOINT_SCAN checkpoints, the budget's rows), so a session of any size is collected
 * in transactions of about the budget; the queue entry stays until the session is done, and the
 * base it recorded is where the next transaction or the next run carries on.
 */

/** Due entries of the review queue: sessions whose next candidate base is older than the window. */
export function dueEntries(tx: ReadTxn, p: GcPolicy, limit: number, after?: Key): Array<{ key: Key; sid: number }> {
  const high: Key = [p.now - p.replayWindow, '~'];
  const low: Key = after === undefined ? KEY_BOTTOM : keyAfter(after, 'gcq');
  return [...tx.range('gcq', { low, high, limit })].map((e) => ({ key: [...e.key], sid: keyNumber(e.key, 1, 'gcq') }));
}

/** The first CHECKPOINT_SCAN checkpoint times after `base` (below the head's version), and whether more follow. */
export function scanCheckpoints(tx: ReadTxn, head: HeadRecord, base: number): { times: CheckpointTime[]; more: boolean } {
  const times: CheckpointTime[] = [];
  let seen = 0;
  for (const e of tx.range('checkpoints', { low: checkpointKey(head.sid, base + 1), high: checkpointKey(head.sid, head.version), limit: CHECKPOINT_SCAN + 1 })) {
    if (++seen > CHECKPOINT_SCAN) return { times, more: true };
    const cp = decodeCheckpoint(e.value);
    if (cp.projectionFormat === PROJECTION_FORMAT) times.push({ version: cp.projection.version, at: cp.projection.updatedAt });
  }
  return { times, more: false };
}

/** True when the head's own version has a usable checkpoint. */
export function hasHeadCheckpoint(tx: ReadTxn, head: HeadRecord): boolean {
  const raw = tx.get('checkpoints', checkpointKey(head.sid, head.version));
  return raw !== undefined && decodeCheckpoint(raw).projectionFormat === PROJECTION_FORMAT;
}

/** Where the visible messages of the checkpoint at `base` start (0 without a base). */
export function baseStart(tx: ReadTxn, sid: number, base: number): number {
  const raw = base > 0 ? tx.get('checkpoints', checkpointKey(sid, base)) : undefined;
  return raw === undefined ? 0 : decodeCheckpoint(raw).projection.start;
}

/** The chunk regions of the checkpoint at `base` (none without a base). */
export function baseRegions(tx: ReadTxn, sid: number, base: number): Regions {
  const raw = base > 0 ? tx.get('checkpoints', checkpointKey(sid, base)) : undefined;
  return raw === undefined ? [] : (decodeCheckpoint(raw).projection.regions ?? []);
}

/**
 * The key ranges of a session's rows below a base whose visible range starts at `start`: events
 * ≤ base, checkpoints < base, and every chunk no version from the base on reads. Those are the
 * chunks outside the base's pieces [start, …) of each region (layout.ts): below `start` (chunks
 * never overlap, so only the last chunk below a piece can span into it; one chunk is read to find
 * out), positions a later region took over, and regions a removal replaced before the base.
 * Regions started after the base lie above the base's newest region and are kept.
 */
export function rangesBelow(tx: ReadTxn, sid: number, base: number, start: number, regions: Regions = []): Array<{ table: Table; low: Key; high: Key }> {
  const out: Array<{ table: Table; low: Key; high: Key }> = [
    { table: 'events', low: eventKey(sid, 0), high: eventKey(sid, base + 1) },
    { table: 'checkpoints', low: checkpointKey(sid, 0), high: checkpointKey(sid, base) },
  ];
  let low = 0;
  for (const piece of regionPieces(regions, start, REGION_SPAN)) {
    let keep = piece.from + piece.offset;
    for (const e of tx.range('chunks', { low: chunkKey(sid, piece.offset), high: chunkKey(sid, keep), reverse: true, limit: 1 })) {
      const from = keyNumber(e.key, 1, 'chunks');
      if (from + decodeChunk(e.value).length > keep) keep = from;
    }
    if (keep > low) out.push({ table: 'chunks', low: chunkKey(sid, low), high: chunkKey(sid, keep) });
    low = piece.to + piece.offset;
  }
  const top = (lastRegion(regions) + 1) * REGION_SPAN;
  if (top > low) out.push({ table: 'chunks', low: chunkKey(sid, low), high: chunkKey(sid, top) });
  return out;
}

/** A row's key, stored bytes and, in the events table, how many events it holds (a pack: several). */
function* keysAndSizes(tx: ReadTxn, r: { table: Table; low: Key; high: Key }): Iterable<{ key: Key; bytes: number; events: number }> {
  for (const e of tx.range(r.table, { low: r.low, high: r.high })) {
    yield { key: [...e.key], bytes: e.value.byteLength, events: r.table === 'events' ? eventsInRow(keyNumber(e.key, 1, 'events'), e.value) : 0 };
  }
}

/** Compacts due sessions within the budget; returns true when none is left due. */
export function compactSome(tx: WriteTxn, p: GcPolicy, budget: Budget, report: GcReport, compacted: Set<number>): boolean {
  const due = dueEntries(tx, p, 64);
  for (const entry of due) {
    let head = headBySid(tx, entry.sid);
    if (head === undefined || head.gcAt !== entry.key[0]) {
      tx.del('gcq', entry.key); // left behind by a deleted session
      continue;
    }
    const scan = scanCheckpoints(tx, head, head.base);
    budget.spend(scan.times.length + 1);
    const choice = chooseBase(head, scan.times, p.now, p.replayWindow, hasHeadCheckpoint(tx, head));
    if (choice !== undefined) {
      let cp = head.cp;
      let logBytes = head.logBytes;
      if (choice.needsCheckpoint) {
        const snap = snapshotAt(tx, head, head.version);
        const state = readState(tx, head.sid);
        const projection = { ...snap.projection, summary: state.summary, metadata: state.metadata };
        const seal = sealPlan(tx, head, head.sid, projection, [], [], p.chunkBytes);
        const bytes = encodeCheckpoint({ projectionFormat: PROJECTION_FORMAT, projection });
        for (const c of seal.chunks) tx.put('chunks', chunkKey(head.sid, c.from), c.bytes);
        tx.put('checkpoints', checkpointKey(head.sid, head.version), bytes);
        cp = head.version;
        logBytes += bytes.byteLength + seal.chunkBytes;
        adjustCounters(tx, { logBytes: bytes.byteLength + seal.chunkBytes });
        budget.spend(seal.chunks.length + 1);
      }
      // A large session takes several passes; it counts once per run.
      if (!compacted.has(head.sid)) report.sessionsCompacted++;
      compacted.add(head.sid);
      head = { ...head, base: choice.version, cp, logBytes };
      tx.put('heads', sidKey(head.sid), encodeHead(head));
    }
    const removal = removeBelowBase(tx, head, budget, report);
    if (!removal.finished) return false; // the queue entry stays: the next transaction carries on
    // Done with this session for now: queue its next review, or none until it is written again.
    tx.del('gcq', entry.key);
    const next = nextReviewAt(head, head.base, scan.times, scan.more, p.now, p.replayWindow);
    head = { ...removal.head, gcAt: next ?? 0 };
    if (next !== undefined) tx.put('gcq', checkKey('gcq', gcqKey(next, head.sid)), new Uint8Array(0));
    tx.put('heads', sidKey(head.sid), encodeHead(head));
    if (budget.exhausted) return false;
  }
  return due.length < 64;
}

/**
 * Removes rows below the head's base within the budget, at least one row per call so every
 * transaction makes progress. Returns the updated head and whether no row is left.
 */
function removeBelowBase(tx: WriteTxn, head: HeadRecord, budget: Budget, report: GcReport): { head: HeadRecord; finished: boolean } {
  let removedBytes = 0;
  let deadRemoved = 0;
  let eventsRemoved = 0;
  let finished = true;
  for (const range of rangesBelow(tx, head.sid, head.base, baseStart(tx, head.sid, head.base), baseRegions(tx, head.sid, head.base))) {
    const rows = takeWithin(keysAndSizes(tx, range), budget);
    let deleted = 0;
    for (const row of rows) {
      // At least one row per transaction; then stop when the time is up.
      if (deleted > 0 && budget.exhausted) break;
      tx.del(range.table, row.key);
      budget.spend();
      deleted++;
      removedBytes += row.bytes;
      if (range.table === 'events') eventsRemoved += row.events;
      else if (range.table === 'checkpoints') report.checkpointsRemoved++;
      else report.chunksRemoved++;
      if (range.table !== 'chunks') deadRemoved += row.bytes;
    }
    if (budget.exhausted) {
      finished = false; // rows may be left: the next transaction looks again
      break;
    }
  }
  report.bytesRemoved += removedBytes;
  report.eventsRemoved += eventsRemoved;
  if (removedBytes === 0) return { head, finished };
  adjustCounters(tx, { events: -eventsRemoved, logBytes: -removedBytes, deadBytes: -Math.min(deadRemoved, head.deadBytes) });
  const updated = { ...head, logBytes: Math.max(0, head.logBytes - removedBytes), deadBytes: Math.max(0, head.deadBytes - deadRemoved) };
  tx.put('heads', sidKey(head.sid), encodeHead(updated));
  return { head: updated, finished };
}
