import { decodeCheckpoint, decodeHead, decodeNumber } from '../core/codec.js';
import type { HeadRecord } from '../core/codec.js';
import { checkpointKey, dirKey, KEY_BOTTOM, KEY_TOP, recentKey } from '../core/layout.js';
import { emptyProjection, foldEvents, projectionsEqual, PROJECTION_FORMAT } from '../core/projection.js';
import type { Projection } from '../core/projection.js';
import type { Backend, ReadTxn } from '../storage/backend.js';
import { TurnlogError } from '../errors.js';
import { readCounters } from './counters.js';
import { messagesOf, readEventRange, readState, snapshotAt } from './reader.js';

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
}

/** Sessions checked per read transaction: a full verify never pins one snapshot for long. */
const PAGE = 64;

/**
 * Re-folds every session from its base (the first event, or the GC base checkpoint) and compares
 * the result with the head, the summary/metadata state, every checkpoint, the history a reader
 * gets, and the directory and recency indexes.
 */
export function verifyStore(backend: Backend, onProgress?: (done: number, total: number) => void): VerifyReport {
  const report: VerifyReport = { ok: true, sessions: 0, events: 0, checkpoints: 0, mismatches: [] };
  const total = backend.read((tx) => readCounters(tx).sessions);
  let after = 0;
  for (;;) {
    const heads = backend.read((tx) => [...tx.range('heads', { low: [after + 1], high: KEY_TOP, limit: PAGE })].map((e) => decodeHead(e.value)));
    if (heads.length === 0) break;
    backend.read((tx) => {
      for (const head of heads) verifySession(tx, head, report);
    });
    after = (heads[heads.length - 1] as HeadRecord).sid;
    onProgress?.(report.sessions, total);
  }
  backend.read((tx) => {
    const counted = readCounters(tx).sessions;
    if (counted !== report.sessions) report.mismatches.push({ key: '*', problem: `session counter says ${counted}, ${report.sessions} sessions found` });
    let dirEntries = 0;
    for (const _ of tx.range('dir', { low: KEY_BOTTOM, high: KEY_TOP })) dirEntries++;
    if (dirEntries !== report.sessions) report.mismatches.push({ key: '*', problem: `${dirEntries} directory entries for ${report.sessions} sessions` });
  });
  report.ok = report.mismatches.length === 0;
  return report;
}

function verifySession(tx: ReadTxn, head: HeadRecord, report: VerifyReport): void {
  report.sessions++;
  const problem = (p: string): void => void report.mismatches.push({ key: head.key, problem: p });
  try {
    const dir = tx.get('dir', dirKey(head.key));
    if (dir === undefined || decodeNumber(dir, 'directory') !== head.sid) problem('directory entry missing or pointing elsewhere');
    if (tx.get('recent', recentKey(head.updatedAt, head.sid)) === undefined) problem('missing from the recency index');

    let start: Projection = emptyProjection();
    if (head.base > 0) {
      const raw = tx.get('checkpoints', checkpointKey(head.sid, head.base));
      if (raw === undefined) return problem(`base checkpoint ${head.base} is missing`);
      const cp = decodeCheckpoint(raw);
      if (cp.projectionFormat !== PROJECTION_FORMAT) return problem(`base checkpoint ${head.base} has fold format ${cp.projectionFormat}`);
      start = cp.projection;
    }
    const events = readEventRange(tx, head.sid, head.base, head.version);
    report.events += events.length;
    // Full fold, checking each checkpoint on the way.
    const checkpoints = new Map<number, Projection>();
    for (const e of tx.range('checkpoints', { low: checkpointKey(head.sid, head.base + 1), high: checkpointKey(head.sid, head.version + 1) })) {
      const cp = decodeCheckpoint(e.value);
      if (cp.projectionFormat === PROJECTION_FORMAT) checkpoints.set(cp.projection.version, cp.projection);
    }
    report.checkpoints += checkpoints.size;
    let p = start;
    for (const e of events) {
      p = foldEvents(p, [e]);
      const cp = checkpoints.get(e.version);
      if (cp !== undefined && !projectionsEqual(cp, p)) problem(`checkpoint ${e.version} differs from the fold of the events`);
    }
    if (p.version !== head.version || p.start !== head.start || p.next !== head.next || p.createdAt !== head.createdAt || p.updatedAt !== head.updatedAt) {
      problem(`head (v${head.version} [${head.start}, ${head.next})) differs from the fold (v${p.version} [${p.start}, ${p.next}))`);
    }
    const state = readState(tx, head.sid);
    if (state.summary !== p.summary) problem('summary differs from the fold of the events');
    if (JSON.stringify(state.metadata) !== JSON.stringify(p.metadata)) problem('metadata differs from the fold of the events');
    // The history a reader gets (newest checkpoint + tail) against base chunks + every event.
    const viaCheckpoints = JSON.stringify(messagesOf(tx, head.sid, snapshotAt(tx, head, head.version)));
    const baseCp = head.base > 0 ? { projectionFormat: PROJECTION_FORMAT, projection: start } : undefined;
    const viaEvents = JSON.stringify(messagesOf(tx, head.sid, { projection: p, base: baseCp, tail: events }));
    if (viaCheckpoints !== viaEvents) problem('history read through checkpoints differs from the full replay');
  } catch (error) {
    problem(error instanceof TurnlogError ? `${error.code}: ${error.message}` : String(error));
  }
}
