import { eventsInRow } from '../core/codec.js';
import { chooseBase, nextReviewAt } from '../core/gc-plan.js';
import { KEY_BOTTOM, keyNumber, keyAfter } from '../core/layout.js';
import type { Key, Regions, Table } from '../core/layout.js';
import type { Backend } from '../storage/backend.js';
import { READ_MS, READ_ROWS, Slices } from './budget.js';
import type { BudgetClock } from './budget.js';
import { baseRegions, baseStart, dueEntries, hasHeadCheckpoint, rangesBelow, scanCheckpoints } from './gc-compact.js';
import type { GcPolicy, GcReport, StopSignal } from './gc-report.js';
import { headBySid } from './reader.js';

/** Rows or index entries read per read transaction of a dry run, at most. */
const PAGE = 2000;

/**
 * A dry run: the decisions a real run would take, counted in short read transactions with the
 * event loop running once the reads since the last turn spent a read budget (READ_ROWS rows,
 * READ_MS by `clock`), so it neither blocks the host nor pins one snapshot for its whole run.
 * Writes that land during it may make its counts differ from a real run's.
 */
export async function dryRunCount(
  backend: Backend,
  p: GcPolicy,
  report: GcReport,
  what: { expiring: boolean; compacting: boolean },
  stop: StopSignal | undefined,
  progress: () => void,
  clock?: BudgetClock,
): Promise<void> {
  const stopped = (): boolean => stop?.aborted === true;
  const slices = new Slices(READ_ROWS, READ_MS, clock);
  const expired = new Set<number>();
  if (what.expiring) {
    let low: Key = KEY_BOTTOM;
    for (;;) {
      if (stopped()) return;
      const next = backend.read((tx) => {
        let last: Key | undefined;
        let n = 0;
        const budget = slices.current;
        const limit = Math.min(PAGE, budget.rowsLeft);
        for (const e of tx.range('recent', { low, high: [p.now - p.ttl], limit, keysOnly: true })) {
          last = [...e.key];
          n++;
          budget.spend();
          const head = headBySid(tx, keyNumber(e.key, 1, 'recent'));
          if (head === undefined) continue;
          expired.add(head.sid);
          report.sessionsExpired++;
          report.eventsRemoved += head.version - head.base;
          report.bytesRemoved += head.logBytes;
          if (budget.exhausted) break;
        }
        return (n < limit && !budget.exhausted) || last === undefined ? undefined : keyAfter(last, 'recent');
      });
      progress();
      if (next === undefined) break;
      low = next;
      await slices.next();
    }
  }
  if (!what.compacting) return;
  let after: Key | undefined;
  for (;;) {
    if (stopped()) return;
    const due = backend.read((tx) => dueEntries(tx, p, 64, after));
    slices.current.spend(due.length);
    for (const entry of due) {
      if (stopped()) return;
      if (!expired.has(entry.sid)) await countSession(backend, p, entry.sid, report, stopped, slices);
      await slices.next();
    }
    progress();
    const last = due[due.length - 1];
    if (due.length < 64 || last === undefined) return;
    after = last.key;
    await slices.next();
  }
}

/** The base a real run would reach for one session (pass after pass), and the rows below it. */
async function countSession(backend: Backend, p: GcPolicy, sid: number, report: GcReport, stopped: () => boolean, slices: Slices): Promise<void> {
  let base: number | undefined;
  let start = 0;
  let regions: Regions = [];
  for (;;) {
    if (stopped()) return;
    const pass = backend.read((tx) => {
      const head = headBySid(tx, sid);
      if (head === undefined) return undefined;
      const from = { ...head, base: base ?? head.base };
      const scan = scanCheckpoints(tx, head, from.base);
      slices.current.spend(scan.times.length + 1);
      const choice = chooseBase(from, scan.times, p.now, p.replayWindow, hasHeadCheckpoint(tx, head));
      if (choice === undefined) return { done: true };
      // What lies below the new base; its start is the head's when GC would checkpoint the head.
      const choiceStart = choice.needsCheckpoint ? head.start : baseStart(tx, sid, choice.version);
      const next = nextReviewAt(head, choice.version, scan.times, scan.more, p.now, p.replayWindow);
      const choiceRegions = choice.needsCheckpoint ? (head.regions ?? []) : baseRegions(tx, sid, choice.version);
      return { done: next === undefined || next > p.now - p.replayWindow, version: choice.version, start: choiceStart, regions: choiceRegions };
    });
    if (pass === undefined) return;
    if (pass.version !== undefined) {
      base = pass.version;
      start = pass.start;
      regions = pass.regions;
    }
    if (pass.done) break;
    await slices.next();
  }
  if (base === undefined) return;
  report.sessionsCompacted++;
  const b = base;
  const ranges = backend.read((tx) => rangesBelow(tx, sid, b, start, regions));
  slices.current.spend(ranges.length);
  for (const range of ranges) await countRange(backend, range, report, stopped, slices);
}

/** Counts the rows of one key range in pages within the read budget. */
async function countRange(backend: Backend, range: { table: Table; low: Key; high: Key }, report: GcReport, stopped: () => boolean, slices: Slices): Promise<void> {
  let low = range.low;
  for (;;) {
    if (stopped()) return;
    const next = backend.read((tx) => {
      let last: Key | undefined;
      let n = 0;
      const budget = slices.current;
      const limit = Math.min(PAGE, budget.rowsLeft);
      for (const e of tx.range(range.table, { low, high: range.high, limit })) {
        last = [...e.key];
        n++;
        budget.spend();
        report.bytesRemoved += e.value.byteLength;
        if (range.table === 'events') report.eventsRemoved += eventsInRow(keyNumber(e.key, 1, 'events'), e.value);
        else if (range.table === 'checkpoints') report.checkpointsRemoved++;
        else report.chunksRemoved++;
        if (budget.exhausted) break;
      }
      return (n < limit && !budget.exhausted) || last === undefined ? undefined : keyAfter(last, range.table);
    });
    if (next === undefined) return;
    low = next;
    await slices.next();
  }
}
