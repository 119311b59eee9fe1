import { invalid, TurnlogError } from '../errors.js';
import { checkOptionKeys, optionNames } from '../core/validate.js';
import { SessionLogEngine } from '../engine/session-log.js';
import type { SessionLog } from '../engine/session-log.js';
import type { KeptEventId } from '../engine/session-reads.js';
import { digest } from '../core/layout.js';
import type { Message, SessionEvent } from '../types.js';

/**
 * `turnlog export --format jsonl`: every kept event of a session, one JSON line each
 * (`{"key", ...event}`). A session whose oldest events GC collected starts with a `session.base`
 * line holding the whole state at its oldest readable version, so that `importTurnlogJsonl`
 * can rebuild the current state exactly from the file alone.
 */

/** The first line of a session whose events up to `version` were collected by GC. */
export interface SessionBaseLine {
  key: string;
  type: 'session.base';
  /** The GC base: the oldest readable version. The events that follow start at version + 1. */
  version: number;
  /** Time of the session's first event (ms since the epoch). */
  createdAt: number;
  /** Time of the event at `version` (ms since the epoch). */
  at: number;
  summary: string;
  metadata: Record<string, unknown>;
  /** The visible history at `version`. */
  messages: Message[];
  /**
   * Absolute positions of the visible range at `version` (`next - start === messages.length`),
   * in the numbering the following events' `from` and `start` use. Present when an event after
   * the base refers to positions; absent when none does (nothing then depends on them).
   */
  start?: number;
  next?: number;
  /**
   * The event ids of the collected events (versions up to `version`): the id's sha256 digest
   * (only that is stored), the version it applied and the fingerprint of the change. The import
   * records them, so a retry of such a change is a duplicate in the new store too.
   */
  eventIds?: KeptEventId[];
}

export interface JsonlExportOptions {
  /** Called after each session with (sessions done, total). Default: none. */
  onProgress?: (done: number, total: number) => void;
  /** Longest stretch of work, in ms, between two pauses that let the event loop run (signals, timers). Default 20. */
  yieldEveryMs?: number;
}

const JSONL_EXPORT_OPTION_NAMES = optionNames<JsonlExportOptions>()(['onProgress', 'yieldEveryMs']);

export interface JsonlExport {
  /** Sessions written (a key deleted while the export ran is left out). */
  sessions: number;
  /** Event lines written (base lines not counted). */
  events: number;
}

const hasFrom = (e: SessionEvent): e is Extract<SessionEvent, { from: number }> => e.type === 'messages.added' || e.type === 'history.replaced';

/** The cut position an event records, if any. */
const cutOf = (e: SessionEvent): number | undefined => (e.type === 'history.truncated' ? e.start : e.type === 'summary.set' ? e.start : undefined);

/**
 * The base line of a session at GC base `base`, given the events after it (up to `version`,
 * whose visible count is `countNow`). Positions come from the events: the first one that adds
 * messages starts at the base's `next` (a removal of the newest messages at `next` minus what
 * it removes); with none, `next` never moved, and the last cut plus the current count gives it.
 */
async function baseLine(log: SessionLog, key: string, base: number, events: AsyncIterable<SessionEvent> | Iterable<SessionEvent>, countNow: number, ids: readonly KeptEventId[]): Promise<SessionBaseLine | undefined> {
  const info = await log.getSession(key, { atVersion: base });
  if (info === undefined) return undefined;
  const messages = await log.getHistory(key, { atVersion: base });
  let next: number | undefined;
  let lastCut: number | undefined;
  for await (const e of events) {
    // A removal of the newest messages starts where the removed ones started.
    if (e.type === 'messages.removed' || e.type === 'messages.replaced') {
      next = e.from + (e.type === 'messages.removed' ? e.count : e.removed);
      break;
    }
    if (hasFrom(e)) {
      next = e.from;
      break;
    }
    lastCut = cutOf(e) ?? lastCut;
  }
  if (next === undefined && lastCut !== undefined) next = lastCut + countNow;
  const positions = next === undefined ? {} : { start: next - messages.length, next };
  const collected = ids.filter((id) => id.version <= base);
  return { key, type: 'session.base', version: base, createdAt: info.createdAt, at: info.updatedAt, summary: info.summary, metadata: info.metadata, messages, ...positions, ...(collected.length === 0 ? {} : { eventIds: collected }) };
}

/**
 * The events from `first` to `to` again, a second pass beside a read still under way. Every page of one read is checked by the library against
 * the session it started on; a second read is not, so its first event must be the one the first
 * read gave, or the session was deleted and created again in between (NOT_FOUND, as the
 * library says of a session deleted while it is read).
 */
async function* readAgain(log: SessionLog, key: string, first: SessionEvent, to: number): AsyncGenerator<SessionEvent> {
  let checked = false;
  for await (const e of log.readEvents(key, { fromVersion: first.version, toVersion: to })) {
    if (!checked && JSON.stringify(e) !== JSON.stringify(first)) throw new TurnlogError('NOT_FOUND', `session ${JSON.stringify(key)} was deleted while it was being read`);
    checked = true;
    yield e;
  }
  if (!checked) throw new TurnlogError('NOT_FOUND', `session ${JSON.stringify(key)} was deleted while it was being read`);
}

/**
 * The lines of one session (each ending in a newline), read in short read transactions as they
 * are consumed. Empty when the session does not exist.
 */
export async function* sessionJsonlLines(log: SessionLog, key: string): AsyncGenerator<string, number> {
  const info = await log.getSession(key);
  if (info === undefined) return 0;
  // One read for the lines: the versions up to `info.version`, of one session, whatever is
  // written meanwhile. Its first event tells where the GC base is.
  const events = log.readEvents(key, { toVersion: info.version })[Symbol.asyncIterator]();
  try {
    let r = await events.next();
    const base = r.done === true ? info.version : r.value.version - 1;
    // Every kept event id with its fingerprint: a retry must stay a duplicate in the new store.
    const ids = log instanceof SessionLogEngine ? await log.keptEventIds(key) : [];
    const fingerprints = new Map(ids.map((id) => [id.digest, id.fingerprint]));
    if (base > 0) {
      // The base line's positions need events further on: a second read, from the same first event.
      const after = r.done === true ? [] : readAgain(log, key, r.value, info.version);
      const line = await baseLine(log, key, base, after, info.messageCount, ids);
      if (line !== undefined) yield `${JSON.stringify(line)}\n`;
    }
    // Ids that point at a kept version but that no event there carries (an earlier import
    // recorded them for events the exporting store had collected): they go on that event's line.
    const byVersion = new Map<number, KeptEventId[]>();
    for (const id of ids) if (id.version > base) byVersion.set(id.version, [...(byVersion.get(id.version) ?? []), id]);
    let n = 0;
    for (; r.done !== true; r = await events.next()) {
      const e = r.value;
      const own = e.eventId === undefined ? undefined : digest(e.eventId);
      const fingerprint = own === undefined ? undefined : fingerprints.get(own);
      const others = (byVersion.get(e.version) ?? []).filter((id) => id.digest !== own);
      yield `${JSON.stringify({ key, ...e, ...(fingerprint === undefined ? {} : { fingerprint }), ...(others.length === 0 ? {} : { eventIds: others }) })}\n`;
      n++;
    }
    return n;
  } finally {
    await events.return?.();
  }
}

/**
 * A pause for the event loop after every `ms` of work, so that signal handlers (Ctrl-C) and
 * timers run during a long export instead of after it.
 */
export function makePacer(ms = 20): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < ms) return;
    await new Promise((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}

/**
 * Writes every given session's lines through `write`, pausing now and then so that the event
 * loop runs (a long export can then be interrupted cleanly).
 */
export async function exportJsonl(log: SessionLog, keys: readonly string[], write: (text: string) => void, options: JsonlExportOptions = {}): Promise<JsonlExport> {
  checkOptionKeys('export options', options, JSONL_EXPORT_OPTION_NAMES);
  if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string')) invalid('keys must be an array of session keys (strings)');
  if (typeof write !== 'function') invalid('write must be a function that takes each chunk of text');
  const step = makePacer(options.yieldEveryMs);
  const out: JsonlExport = { sessions: 0, events: 0 };
  for (const [i, key] of keys.entries()) {
    const it = sessionJsonlLines(log, key);
    let wrote = false;
    for (;;) {
      const r = await it.next();
      if (r.done === true) {
        out.events += r.value;
        break;
      }
      write(r.value);
      wrote = true;
      await step();
    }
    if (wrote) out.sessions++;
    options.onProgress?.(i + 1, keys.length);
    await step();
  }
  return out;
}
