import { TurnlogError } from '../errors.js';
import { emptyView } from '../core/diff.js';
import type { VersionView, ViewPair } from '../core/diff.js';
import type { PgHead } from './pg-rows.js';
import { headOf, optInt } from './pg-rows.js';
import { pgHistoryOf, pgStateAt } from './pg-reads.js';
import type { PgSession } from './pg-session.js';

/**
 * Views of a session at given versions for forks and diffs: the state and the history at each
 * version (two statements, as getSession and getHistory), checked to come from the same session
 * (a deletion in between is NOT_FOUND, never a mix of two sessions).
 */

const deleted = (key: string): never => {
  throw new TurnlogError('NOT_FOUND', `session ${JSON.stringify(key)} was deleted while it was being read`);
};

async function headNow(pg: PgSession, key: string): Promise<PgHead | undefined> {
  const row = (await pg.query('headVersion', [pg.skey(key)]))[0];
  return row === undefined ? undefined : headOf(row);
}

/** The view at `atVersion` (default current) and the head it was read with; undefined for an unknown key. */
async function viewWithHead(pg: PgSession, key: string, atVersion: number | undefined): Promise<{ view: VersionView; head: PgHead } | undefined> {
  if (atVersion === 0) {
    const head = await headNow(pg, key);
    return head === undefined ? undefined : { view: emptyView(), head };
  }
  const state = await pgStateAt(pg, key, atVersion);
  if (state === undefined) return undefined;
  const { info } = state;
  const read = await pgHistoryOf(pg, key, info.version, undefined);
  if (read.head?.sid !== state.head.sid || read.messages.length !== info.messageCount) deleted(key);
  return { view: { version: info.version, start: state.start, messages: read.messages, summary: info.summary, metadata: info.metadata }, head: state.head };
}

export async function pgView(pg: PgSession, key: string, atVersion: number | undefined): Promise<VersionView | undefined> {
  return (await viewWithHead(pg, key, atVersion))?.view;
}

/** See SessionStore.viewPair; the rewinds in between are one more statement, only when needed. */
export async function pgViewPair(pg: PgSession, key: string, from: number, to: number): Promise<ViewPair | undefined> {
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  // The newer version first: it checks the version against the session (past the newest is INVALID_ARGUMENT).
  const newer = await viewWithHead(pg, key, hi);
  if (newer === undefined) return undefined;
  const older = lo === hi ? newer : await viewWithHead(pg, key, lo);
  if (older === undefined || older.head.sid !== newer.head.sid) return deleted(key);
  const before = from === hi ? newer.view : older.view;
  const after = to === hi ? newer.view : older.view;
  let rewoundFrom: number | undefined;
  const overlap = before.messages.length > 0 && after.messages.length > 0 && lo < hi;
  if (overlap && (newer.head.lastRemoval ?? 0) > lo) {
    const row = (await pg.query('rewinds', [pg.skey(key), lo, hi]))[0];
    if (row === undefined || headOf(row).sid !== newer.head.sid) return deleted(key);
    const head = headOf(row);
    if (head.base > lo) throw new TurnlogError('PRUNED', `version ${lo} of ${JSON.stringify(key)} was garbage-collected; the oldest readable is ${head.base}`, { oldestReadable: head.base });
    rewoundFrom = optInt(row, 'rewound_from');
  }
  return { before, after, rewoundFrom };
}
