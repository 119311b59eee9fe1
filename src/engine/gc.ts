import { decodeCheckpoint, decodeChunk, encodeHead, encodeCheckpoint } from '../core/codec.js';
import type { HeadRecord } from '../core/codec.js';
import { chooseBase, nextReviewAt } from '../core/gc-plan.js';
import type { CheckpointTime } from '../core/gc-plan.js';
import { checkpointKey, chunkKey, eventKey, gcqKey, KEY_BOTTOM, sidKey } from '../core/layout.js';
import type { Key } from '../core/layout.js';
import { PROJECTION_FORMAT } from '../core/projection.js';
import type { Backend, ReadTxn, WriteTxn } from '../storage/backend.js';
import { Budget, TXN_MS, TXN_ROWS, yieldToEventLoop } from './budget.js';
import { sealPlan } from './checkpoint.js';
import { adjustCounters, zeroCounts } from './counters.js';
import { purgeSome, unlinkSession } from './purge.js';
import { headBySid, readState, snapshotAt } from './reader.js';

export interface GcOptions {
  /** Count what would be removed, remove nothing. Default false. */
  dryRun?: boolean;
  /** The time GC acts at, ms since the epoch. Default: the log's clock. */
  now?: number;
  /** Called after each GC transaction with the running totals (for progress displays). */
  onProgress?: (report: GcReport) => void;
}

export interface GcReport {
  dryRun: boolean;
  /** Sessions removed because they were idle longer than `ttl`. */
  sessionsExpired: number;
  /** Sessions whose log was folded into a newer base checkpoint. */
  sessionsCompacted: number;
  eventsRemoved: number;
  checkpointsRemoved: number;
  chunksRemoved: number;
  /** Bytes of the records removed (values). */
  bytesRemoved: number;
  /** Write transactions GC used. */
  transactions: number;
  /** The longest time one GC transaction spent holding the write lock (its callback), in ms. */
  longestTransactionMs: number;
  durationMs: number;
}

interface Policy {
  now: number;
  ttl: number;
  replayWindow: number;
  chunkBytes: number;
}

/**
 * Garbage collection: expiry (sessions idle past `ttl`, found through the recency index, so the
 * cost is O(expired)), compaction (versions older than the replay window folded into a base
 * checkpoint, found through the review queue, O(due)), and purging of removed sessions' rows.
 * Every step is a bounded transaction; interrupted at any point, the next run carries on.
 */
export async function runGc(backend: Backend, policy: Policy, dryRun: boolean, onProgress?: (r: GcReport) => void): Promise<GcReport> {
  const started = performance.now();
  const report: GcReport = {
    dryRun,
    sessionsExpired: 0,
    sessionsCompacted: 0,
    eventsRemoved: 0,
    checkpointsRemoved: 0,
    chunksRemoved: 0,
    bytesRemoved: 0,
    transactions: 0,
    longestTransactionMs: 0,
    durationMs: 0,
  };
  if (dryRun) {
    backend.read((tx) => dryRunCount(tx, policy, report));
  } else {
    const step = async (fn: (tx: WriteTxn, budget: Budget) => boolean): Promise<void> => {
      for (;;) {
        const { done, ms } = await backend.write((tx) => {
          const budget = new Budget(TXN_ROWS, TXN_MS);
          const d = fn(tx, budget);
          return { done: d, ms: budget.elapsedMs() };
        });
        report.transactions++;
        await yieldToEventLoop();
        report.longestTransactionMs = Math.max(report.longestTransactionMs, ms);
        report.durationMs = performance.now() - started;
        onProgress?.({ ...report });
        if (done) return;
      }
    };
    if (policy.ttl !== Infinity) await step((tx, budget) => expireSome(tx, policy, budget, report));
    await step((tx, budget) => {
      const r = purgeSome(tx, budget);
      report.bytesRemoved += r.bytes;
      report.eventsRemoved += r.events;
      return r.done;
    });
    if (policy.replayWindow !== Infinity) await step((tx, budget) => compactSome(tx, policy, budget, report));
  }
  report.durationMs = performance.now() - started;
  return report;
}

/** Unlinks sessions idle past the ttl; returns true when none is left. */
function expireSome(tx: WriteTxn, p: Policy, budget: Budget, report: GcReport): boolean {
  const high: Key = [p.now - p.ttl];
  const entries = [...tx.range('recent', { low: KEY_BOTTOM, high, limit: 256 })];
  const counts = zeroCounts();
  let done = entries.length < 256;
  for (const e of entries) {
    const head = headBySid(tx, e.key[1] as number);
    if (head === undefined) tx.del('recent', e.key);
    else {
      unlinkSession(tx, head, counts);
      report.sessionsExpired++;
    }
    if (!budget.spend(8)) {
      done = false;
      break;
    }
  }
  adjustCounters(tx, counts);
  return done;
}

function dueEntries(tx: ReadTxn, p: Policy, limit: number): Array<{ key: Key; sid: number }> {
  const high: Key = [p.now - p.replayWindow, '~'];
  return [...tx.range('gcq', { low: KEY_BOTTOM, high, limit })].map((e) => ({ key: [...e.key], sid: e.key[1] as number }));
}

function checkpointTimes(tx: ReadTxn, head: HeadRecord): CheckpointTime[] {
  const out: CheckpointTime[] = [];
  for (const e of tx.range('checkpoints', { low: checkpointKey(head.sid, head.base + 1), high: checkpointKey(head.sid, head.version + 1) })) {
    const cp = decodeCheckpoint(e.value);
    if (cp.projectionFormat === PROJECTION_FORMAT) out.push({ version: cp.projection.version, at: cp.projection.updatedAt });
  }
  return out;
}

/**
 * Rows of a session below a base version whose visible range starts at `start`: events ≤ base,
 * checkpoints < base, chunks that end at or before `start`.
 */
function* rowsBelow(tx: ReadTxn, sid: number, base: number, start: number): Iterable<{ table: 'events' | 'checkpoints' | 'chunks'; key: Key; bytes: number }> {
  for (const e of tx.range('events', { low: eventKey(sid, 0), high: eventKey(sid, base + 1) })) yield { table: 'events', key: [...e.key], bytes: e.value.byteLength };
  for (const e of tx.range('checkpoints', { low: checkpointKey(sid, 0), high: checkpointKey(sid, base) })) yield { table: 'checkpoints', key: [...e.key], bytes: e.value.byteLength };
  const below = [...tx.range('chunks', { low: chunkKey(sid, 0), high: chunkKey(sid, start) })];
  // Chunks never overlap: all but the last one below `start` end before it; the last may span it.
  for (let i = 0; i < below.length; i++) {
    const e = below[i] as (typeof below)[number];
    if (i === below.length - 1 && (e.key[1] as number) + decodeChunk(e.value).length > start) break;
    yield { table: 'chunks', key: e.key, bytes: e.value.byteLength };
  }
}

function* rowsBelowBase(tx: ReadTxn, head: HeadRecord): Iterable<{ table: 'events' | 'checkpoints' | 'chunks'; key: Key; bytes: number }> {
  const baseCp = head.base > 0 ? tx.get('checkpoints', checkpointKey(head.sid, head.base)) : undefined;
  yield* rowsBelow(tx, head.sid, head.base, baseCp === undefined ? 0 : decodeCheckpoint(baseCp).projection.start);
}

/** Compacts due sessions; returns true when none is left due. */
function compactSome(tx: WriteTxn, p: Policy, budget: Budget, report: GcReport): boolean {
  const due = dueEntries(tx, p, 64);
  for (const entry of due) {
    let head = headBySid(tx, entry.sid);
    if (head === undefined || head.gcAt !== entry.key[0]) {
      tx.del('gcq', entry.key); // left behind by a deleted session
      continue;
    }
    // Read once: after compaction the times are these plus GC's own checkpoint, if it wrote one.
    let times = checkpointTimes(tx, head);
    const choice = chooseBase(head, times, p.now, p.replayWindow);
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
        times = [...times, { version: head.version, at: projection.updatedAt }];
        logBytes += bytes.byteLength + seal.chunkBytes;
        adjustCounters(tx, { logBytes: bytes.byteLength + seal.chunkBytes });
      }
      report.sessionsCompacted++;
      head = { ...head, base: choice.version, cp, logBytes };
      tx.put('heads', sidKey(head.sid), encodeHead(head));
    }
    // Remove what lies below the base, within the budget; the queue entry stays until done.
    let removedBytes = 0;
    let deadRemoved = 0;
    let eventsRemoved = 0;
    let finished = true;
    for (const row of [...rowsBelowBase(tx, head)]) {
      if (budget.exhausted) {
        finished = false;
        break;
      }
      tx.del(row.table, row.key);
      budget.spend();
      removedBytes += row.bytes;
      if (row.table === 'events') eventsRemoved++;
      else if (row.table === 'checkpoints') report.checkpointsRemoved++;
      else report.chunksRemoved++;
      if (row.table !== 'chunks') deadRemoved += row.bytes;
    }
    report.bytesRemoved += removedBytes;
    report.eventsRemoved += eventsRemoved;
    if (removedBytes > 0) {
      adjustCounters(tx, { events: -eventsRemoved, logBytes: -removedBytes, deadBytes: -Math.min(deadRemoved, head.deadBytes) });
      head = { ...head, logBytes: Math.max(0, head.logBytes - removedBytes), deadBytes: Math.max(0, head.deadBytes - deadRemoved) };
    }
    if (!finished) {
      tx.put('heads', sidKey(head.sid), encodeHead(head));
      return false;
    }
    // Done with this session for now: queue its next review, or none until it is written again.
    tx.del('gcq', entry.key);
    const next = nextReviewAt(head, head.base, times, p.replayWindow);
    head = { ...head, gcAt: next ?? 0 };
    if (next !== undefined) tx.put('gcq', gcqKey(next, head.sid), new Uint8Array(0));
    tx.put('heads', sidKey(head.sid), encodeHead(head));
    if (budget.exhausted) return false;
  }
  return due.length < 64;
}

/** The same decisions as a real run, counted in one read snapshot. */
function dryRunCount(tx: ReadTxn, p: Policy, report: GcReport): void {
  if (p.ttl !== Infinity) {
    for (const e of tx.range('recent', { low: KEY_BOTTOM, high: [p.now - p.ttl] })) {
      const head = headBySid(tx, e.key[1] as number);
      if (head === undefined) continue;
      report.sessionsExpired++;
      report.eventsRemoved += head.version - head.base;
      report.bytesRemoved += head.logBytes;
    }
  }
  if (p.replayWindow === Infinity) return;
  const expired = new Set<number>();
  if (p.ttl !== Infinity) for (const e of tx.range('recent', { low: KEY_BOTTOM, high: [p.now - p.ttl] })) expired.add(e.key[1] as number);
  for (const entry of dueEntries(tx, p, Number.MAX_SAFE_INTEGER)) {
    const head = headBySid(tx, entry.sid);
    if (head === undefined || expired.has(head.sid)) continue;
    const choice = chooseBase(head, checkpointTimes(tx, head), p.now, p.replayWindow);
    if (choice === undefined) continue;
    report.sessionsCompacted++;
    // What lies below the new base; its start is the head's when GC would checkpoint the head.
    let start = head.start;
    if (!choice.needsCheckpoint) start = decodeCheckpoint(tx.get('checkpoints', checkpointKey(head.sid, choice.version)) as Uint8Array).projection.start;
    for (const row of rowsBelow(tx, head.sid, choice.version, start)) {
      report.bytesRemoved += row.bytes;
      if (row.table === 'events') report.eventsRemoved++;
      else if (row.table === 'checkpoints') report.checkpointsRemoved++;
      else report.chunksRemoved++;
    }
  }
}

