import { TurnlogError, invalid } from '../errors.js';
import { emptyView } from '../core/diff.js';
import type { VersionView, ViewPair } from '../core/diff.js';
import type { PgHead } from './pg-rows.js';
import { headOf, optInt } from './pg-rows.js';
import { historyRows, stateOfRow } from './pg-reads.js';
import { withTransaction } from './pg-pool.js';
import type { PgSession } from './pg-session.js';

/**
 * Views of a session at given versions for forks and diffs. A view is one statement (`view`:
 * the state and the history at a version, or at the current one, in one snapshot), so a fork of
 * the current version never reads a version GC collected after resolving it. A diff reads two
 * views (and the rewinds in between when needed); when GC or a deletion ran between those
 * statements, it reads them again in one REPEATABLE READ transaction.
 */

const deleted = (key: string): never => {
  throw new TurnlogError('NOT_FOUND', `session ${JSON.stringify(key)} was deleted while it was being read`);
};

/** A diff's statements saw different moments of the session: read again in one snapshot. */
class Raced extends Error {}

/** The view at `atVersion` (default current) and the head it was read with; undefined for an unknown key. */
async function viewWithHead(pg: PgSession, key: string, atVersion: number | undefined): Promise<{ view: VersionView; head: PgHead } | undefined> {
  const row = (await pg.query(atVersion === 0 ? 'headVersion' : 'view', atVersion === 0 ? [pg.skey(key)] : [pg.skey(key), atVersion ?? null]))[0];
  if (row === undefined) {
    pg.remember(key, undefined);
    return undefined;
  }
  if (atVersion === 0) return { view: emptyView(), head: headOf(row) };
  const state = stateOfRow(pg, key, row, atVersion);
  if (state === undefined) return { view: emptyView(), head: headOf(row) };
  const { info } = state;
  const messages = historyRows(pg, key, state.head, row, atVersion, undefined);
  return { view: { version: info.version, start: state.start, messages, summary: info.summary, metadata: info.metadata }, head: state.head };
}

export async function pgView(pg: PgSession, key: string, atVersion: number | undefined): Promise<VersionView | undefined> {
  return (await viewWithHead(pg, key, atVersion))?.view;
}

/** See SessionStore.viewPair (`to` default current, `from` default `to − 1`); the rewinds in between are one more statement, only when needed. */
export async function pgViewPair(pg: PgSession, key: string, from: number | undefined, to: number | undefined): Promise<ViewPair | undefined> {
  try {
    return await pairOnce(pg, key, from, to);
  } catch (error) {
    if (!(error instanceof Raced)) throw error;
  }
  return withTransaction(pg.pool, 'reading a diff', async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    return pairOnce(pg.onClient(client), key, from, to);
  });
}

async function pairOnce(pg: PgSession, key: string, from: number | undefined, to: number | undefined): Promise<ViewPair | undefined> {
  // The newer version first: it resolves the current one and checks versions against the
  // session (past the newest is INVALID_ARGUMENT).
  const newer = await viewWithHead(pg, key, to === undefined ? undefined : Math.max(from ?? to - 1, to));
  if (newer === undefined) return undefined;
  const target = to ?? newer.view.version;
  const source = from ?? Math.max(0, target - 1);
  // With `to` left out, the newer view is the current one: `from` past it is past the newest.
  if (source > newer.head.version) invalid(`${JSON.stringify(key)} has no version ${source} (it is at ${newer.head.version})`);
  const lo = Math.min(source, target);
  const hi = Math.max(source, target);
  // Readable in the newer view's snapshot, so PRUNED or a deletion below means GC or a delete ran since.
  const readable = lo === 0 || lo >= newer.head.base;
  const again = async <T>(read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      if (readable && error instanceof TurnlogError && error.code === 'PRUNED') throw new Raced();
      throw error;
    }
  };
  const older = lo === hi ? newer : await again(() => viewWithHead(pg, key, lo));
  if (older === undefined || older.head.sid !== newer.head.sid) return deleted(key);
  const before = source === hi ? newer.view : older.view;
  const after = target === hi ? newer.view : older.view;
  let rewoundFrom: number | undefined;
  const overlap = before.messages.length > 0 && after.messages.length > 0 && lo < hi;
  if (overlap && (newer.head.lastRemoval ?? 0) > lo) {
    const row = (await pg.query('rewinds', [pg.skey(key), lo, hi]))[0];
    if (row === undefined || headOf(row).sid !== newer.head.sid) return deleted(key);
    const head = headOf(row);
    if (head.base > lo) {
      if (readable) throw new Raced();
      throw new TurnlogError('PRUNED', `version ${lo} of ${JSON.stringify(key)} was garbage-collected; the oldest readable is ${head.base}`, { oldestReadable: head.base });
    }
    rewoundFrom = optInt(row, 'rewound_from');
  }
  return { before, after, rewoundFrom };
}
