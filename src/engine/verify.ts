import { KEY_BOTTOM, KEY_TOP, META_NEXT_SID, keyNumber } from '../core/layout.js';
import type { Key } from '../core/layout.js';
import type { Backend, ReadTxn } from '../storage/backend.js';
import { Budget, monotonicClock, READ_MS, READ_ROWS, yieldToEventLoop } from './budget.js';
import type { BudgetClock } from './budget.js';
import { readCounters } from './counters.js';
import { SessionCheck } from './verify-session.js';
import { TurnlogError } from '../errors.js';
import type { StopSignal } from './gc-report.js';

export interface VerifyMismatch {
  key: string;
  problem: string;
}

export interface VerifyReport {
  ok: boolean;
  sessions: number;
  events: number;
  checkpoints: number;
  mismatches: VerifyMismatch[];
  /**
   * Sessions whose current history holds tool results that answer no call before them (any message
   * format; see `orphanResults`), with their indexes in the history: what a model API refuses with
   * HTTP 400. Not a store fault (a plain `truncateHistory` or a `setHistory` may leave them), so
   * `ok` does not depend on it.
   */
  orphanedResults: Array<{ key: string; indexes: number[] }>;
}

/** Sessions listed per read of the heads table. */
const HEADS_PAGE = 64;

/**
 * Re-folds every session from its base (the first event, or the GC base checkpoint) and compares
 * the result with the head, the summary/metadata state, every checkpoint, the history a reader
 * gets, and the directory and recency indexes. Asynchronous and paged: short read transactions,
 * a large session spread over several, the event loop running between them. Writes may land
 * meanwhile: each session is compared with its head as of the page that finishes its fold, and
 * the store-wide counts are compared only when no session was created or deleted during the run.
 * Once `stop` is aborted (by `close()`), the next page boundary rejects with CLOSED.
 *
 * Work per read transaction: READ_ROWS events folded, messages loaded or compared (or index
 * entries counted), and about READ_MS by `clock`; a session of any size is split within its own
 * phases. Between two, the event loop runs (lmdb-js reuses one read transaction within a tick, so
 * yielding is also what lets each page read a fresh snapshot).
 */
export async function verifyStore(backend: Backend, onProgress?: (done: number, total: number) => void, stop?: StopSignal, clock: BudgetClock = monotonicClock): Promise<VerifyReport> {
  const stopped = (): void => {
    if (stop?.aborted === true) throw new TurnlogError('CLOSED', 'the session log was closed during verify()');
  };
  const report: VerifyReport = { ok: true, sessions: 0, events: 0, checkpoints: 0, mismatches: [], orphanedResults: [] };
  const before = backend.read(storeMarks);
  const total = before.sessions;
  let listed: number[] = [];
  let after = 0;
  let current: SessionCheck | undefined;
  for (;;) {
    stopped();
    const finished = backend.read((tx) => {
      const budget = new Budget(READ_ROWS, READ_MS, clock);
      for (;;) {
        if (current === undefined) {
          if (listed.length === 0) {
            listed = [...tx.range('heads', { low: [after + 1], high: KEY_TOP, limit: HEADS_PAGE, keysOnly: true })].map((e) => keyNumber(e.key, 0, 'heads'));
            const last = listed[listed.length - 1];
            if (last === undefined) return true;
            after = last;
          }
          current = new SessionCheck(listed.shift() as number, report);
        }
        // A check GC keeps restarting runs to its end in this snapshot (see MAX_RESTARTS).
        if (current.step(tx, current.churned ? new Budget(Infinity, Infinity, clock) : budget)) current = undefined;
        if (budget.exhausted) return false;
      }
    });
    onProgress?.(report.sessions, total);
    if (finished) break;
    await yieldToEventLoop();
  }
  const dirEntries = await countEntries(backend, 'dir', stopped);
  stopped();
  const end = backend.read(storeMarks);
  if (end.sessions === before.sessions && end.nextSid === before.nextSid) {
    if (end.sessions !== report.sessions) report.mismatches.push({ key: '*', problem: `session counter says ${end.sessions}, ${report.sessions} sessions found` });
    if (dirEntries !== report.sessions) report.mismatches.push({ key: '*', problem: `${dirEntries} directory entries for ${report.sessions} sessions` });
  }
  report.ok = report.mismatches.length === 0;
  return report;
}

/** What changes when a session is created or removed: the session counter and the next sid. */
function storeMarks(tx: ReadTxn): { sessions: number; nextSid: string } {
  const raw = tx.get('meta', META_NEXT_SID);
  return { sessions: readCounters(tx).sessions, nextSid: raw === undefined ? '' : Buffer.from(raw).toString('hex') };
}

async function countEntries(backend: Backend, table: 'dir', stopped: () => void): Promise<number> {
  let n = 0;
  let low: Key = KEY_BOTTOM;
  let skip: Key | undefined;
  for (;;) {
    stopped();
    const last = backend.read((tx) => {
      let key: Key | undefined;
      let seen = 0;
      for (const e of tx.range(table, { low, high: KEY_TOP, limit: READ_ROWS + 1, keysOnly: true })) {
        seen++;
        key = [...e.key];
        if (skip !== undefined && seen === 1 && key[0] === skip[0]) continue;
        n++;
      }
      return seen <= READ_ROWS ? undefined : key;
    });
    if (last === undefined) return n;
    low = last;
    skip = last;
    await yieldToEventLoop();
  }
}
