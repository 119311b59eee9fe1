import { isTurnlogError } from '../errors.js';
import { describeEvent } from '../cli/render.js';
import type { SessionLog } from '../engine/session-log.js';
import type { SessionEvent, SessionInfo } from '../types.js';
import { showMessages } from './pairs.js';
import type { EventLine, EventsPage, SessionRow, SessionsPage, SizesPage, VersionView } from './protocol.js';
import { versionDiff } from './version-diff.js';

/**
 * The JSON API's reads, over the public SessionLog only (any store). Each reads what one screen
 * needs: a page of the listing, a page of the log, the newest messages at a version (`last`).
 */

/** listSessions is asked at most this many times per page (a rare prefix examines a bounded part each time). */
const LIST_CALLS = 8;

export function sessionRow(s: SessionInfo): SessionRow {
  return {
    key: s.key,
    version: s.version,
    messageCount: s.messageCount,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    summary: s.summary.slice(0, 160),
  };
}

/** At most this many keys per `api/sizes` request: a page of the list is 50. */
export const MAX_SIZE_KEYS = 100;

/**
 * The size of each session of a page of the list, asked separately from the page so the rows
 * show first: each getSessionSize reads that session's records, which a long session has many of.
 */
export async function sessionSizes(log: SessionLog, keys: readonly string[]): Promise<SizesPage> {
  const sizes = await Promise.all(keys.map(async (key) => ({ key, size: await log.getSessionSize(key) })));
  return { sizes: sizes.flatMap(({ key, size }) => (size === undefined ? [] : [{ key, bytes: size.bytes, events: size.events }])) };
}

export async function sessionsPage(log: SessionLog, opts: { prefix?: string; cursor?: string; limit: number }): Promise<SessionsPage> {
  const rows: SessionRow[] = [];
  let cursor = opts.cursor;
  for (let call = 0; call < LIST_CALLS && rows.length < opts.limit; call++) {
    const page = await log.listSessions({ limit: opts.limit - rows.length, ...(opts.prefix ? { prefix: opts.prefix } : {}), ...(cursor === undefined ? {} : { cursor }) });
    rows.push(...page.sessions.map(sessionRow));
    cursor = page.cursor;
    if (cursor === undefined) break;
  }
  const out: SessionsPage = { sessions: rows, ...(cursor === undefined ? {} : { cursor }) };
  if (opts.cursor === undefined) {
    const stats = await log.stats();
    out.store = { sessions: stats.sessions, logBytes: stats.logBytes };
  }
  return out;
}

export function eventLine(e: SessionEvent): EventLine {
  const cutAt = e.type === 'history.truncated' ? e.start : e.type === 'summary.set' ? e.start : undefined;
  return {
    version: e.version,
    at: e.at,
    type: e.type,
    line: describeEvent(e),
    ...(e.eventId === undefined ? {} : { eventId: e.eventId }),
    ...(cutAt === undefined ? {} : { cutAt }),
    ...(e.type === 'session.forked' ? { forkedFrom: { key: e.forkedFrom.key, version: e.forkedFrom.version } } : {}),
  };
}

/** The oldest version whose state can be read (GC folds older ones into a base). */
export async function oldestReadable(log: SessionLog, key: string): Promise<number> {
  try {
    await log.getHistory(key, { atVersion: 1, last: 0 });
    return 1;
  } catch (error) {
    if (isTurnlogError(error, 'PRUNED') && error.oldestReadable !== undefined) return error.oldestReadable;
    throw error;
  }
}

/** Events [from, to], starting later when GC collected the first ones. */
async function readRange(log: SessionLog, key: string, from: number, to: number): Promise<SessionEvent[]> {
  const out: SessionEvent[] = [];
  try {
    for await (const e of log.readEvents(key, { fromVersion: from, toVersion: to })) out.push(e);
  } catch (error) {
    if (!isTurnlogError(error, 'PRUNED') || error.oldestReadable === undefined || error.oldestReadable + 1 <= from) throw error;
    return error.oldestReadable + 1 > to ? [] : readRange(log, key, error.oldestReadable + 1, to);
  }
  return out;
}

/** Up to `limit` events before version `before` (default: the newest), newest first. Undefined: no such session. */
export async function eventsPage(log: SessionLog, key: string, opts: { before?: number; limit: number }): Promise<EventsPage | undefined> {
  const info = await log.getSession(key);
  if (info === undefined) return undefined;
  const oldest = await oldestReadable(log, key);
  const to = Math.min(info.version, (opts.before ?? info.version + 1) - 1);
  const from = Math.max(1, to - opts.limit + 1);
  const events = to < 1 ? [] : await readRange(log, key, from, to);
  const first = events[0]?.version ?? from;
  return { key, latest: info.version, oldest, events: events.reverse().map(eventLine), ...(first > Math.max(1, oldest + 1) ? { before: first } : {}) };
}

/**
 * The history at `version` as getHistory returns it (the newest `limit` messages), the summary
 * and metadata then, its event, and what that event changed. Undefined: no such session or version.
 */
export async function versionView(log: SessionLog, key: string, version: number, limit: number): Promise<VersionView | undefined> {
  const current = await log.getSession(key);
  if (current === undefined || version > current.version) return undefined;
  const atVersion = { atVersion: version };
  // version 0 is before the first event: an empty history (getSession has no state to return)
  const info = version === 0 ? { messageCount: 0, summary: '', metadata: {} } : await log.getSession(key, atVersion);
  if (info === undefined) return undefined;
  const [messages, oldest, events] = await Promise.all([version === 0 ? [] : log.getHistory(key, { ...atVersion, last: limit }), oldestReadable(log, key), version < 1 ? [] : readRange(log, key, version, version)]);
  const firstIndex = info.messageCount - messages.length;
  const event = events[0];
  const diff = version < 1 ? undefined : await versionDiff(log, key, version);
  return {
    key,
    version,
    latest: current.version,
    oldest,
    ...(event === undefined ? {} : { event: eventLine(event) }),
    messageCount: info.messageCount,
    summary: info.summary,
    metadata: info.metadata,
    messages: showMessages(messages, firstIndex),
    firstIndex,
    ...(diff === undefined ? {} : { diff }),
  };
}
