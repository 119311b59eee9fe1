/**
 * An event of a session's log as the engine works with it: the public event shape, except that
 * user payloads (messages, metadata patches) stay JSON text — they round-trip exactly and are
 * copied into chunks without being parsed again (core/codec.ts parses them when asked). How an
 * event is laid out on disk is codec.ts's business alone.
 */
interface EventBase {
  /** Session version of this event: 1, 2, 3… with no gaps. */
  version: number;
  /** Writer's clock, ms since epoch. Never used for ordering. */
  at: number;
  /** Idempotency key given by the writer. */
  eventId?: string;
}

export interface MessagesAdded extends EventBase {
  type: 'messages.added';
  /** Absolute position of the first message. */
  from: number;
  messagesJson: string[];
}

export interface HistoryReplaced extends EventBase {
  type: 'history.replaced';
  /** Absolute position of the first message of the new history (the old `next`). */
  from: number;
  messagesJson: string[];
}

export interface SummarySet extends EventBase {
  type: 'summary.set';
  summary: string;
  /** The `through` version the writer gave. */
  through?: number;
  /** With `through`: the resolved first visible position after the event. */
  start?: number;
}

export interface HistoryTruncated extends EventBase {
  type: 'history.truncated';
  /** The `keepLast` the writer asked for. */
  keepLast: number;
  /** Whether the cut was moved to a turn boundary. */
  safe: boolean;
  /** The resolved first visible position after the event. */
  start: number;
}

export interface MetadataUpdated extends EventBase {
  type: 'metadata.updated';
  /** The patch as JSON text (null values delete). */
  patchJson: string;
}

/**
 * The newest `count` visible messages removed (`from` = the position of the first of them, which
 * becomes the new `next`). With `region`, the positions from `from` on are sealed in that new
 * chunk region (see layout.ts): the writer sets it when the removal reached sealed positions.
 */
export interface MessagesRemoved extends EventBase {
  type: 'messages.removed';
  from: number;
  count: number;
  region?: number;
}

/** The newest `removed` visible messages replaced by `messagesJson`, placed from `from`. */
export interface MessagesReplaced extends EventBase {
  type: 'messages.replaced';
  from: number;
  removed: number;
  messagesJson: string[];
  region?: number;
}

/**
 * The first event of a forked session: a copy of the source's view at `sourceVersion`. The
 * messages keep their source positions (from `from`, the source's `start`), so the copy's
 * visible window, and where its summary cut fell, read exactly as in the source.
 */
export interface SessionForked extends EventBase {
  type: 'session.forked';
  sourceKey: string;
  sourceVersion: number;
  from: number;
  messagesJson: string[];
  summary: string;
  /** The whole metadata as JSON text (a plain object; never holds null values). */
  metadataJson: string;
}

export type LogEvent = MessagesAdded | HistoryReplaced | SummarySet | HistoryTruncated | MetadataUpdated | MessagesRemoved | MessagesReplaced | SessionForked;

/** What a write call decides before it knows its version, time and position: an event minus those. */
export type EventDraft =
  | Omit<MessagesAdded, keyof EventBase | 'from'>
  | Omit<HistoryReplaced, keyof EventBase | 'from'>
  | Omit<SummarySet, keyof EventBase>
  | Omit<HistoryTruncated, keyof EventBase>
  | Omit<MetadataUpdated, keyof EventBase>
  | Omit<MessagesRemoved, keyof EventBase>
  | Omit<MessagesReplaced, keyof EventBase>
  | Omit<SessionForked, keyof EventBase>;

/** The event a draft becomes at `version`, `at`, with messages placed from position `next`. */
export function completeEvent(draft: EventDraft, version: number, at: number, eventId: string | undefined, next: number): LogEvent {
  const base: EventBase = eventId === undefined ? { version, at } : { version, at, eventId };
  switch (draft.type) {
    case 'messages.added':
    case 'history.replaced':
      return { ...base, type: draft.type, from: next, messagesJson: draft.messagesJson };
    case 'summary.set':
      return { ...base, ...draft };
    case 'history.truncated':
      return { ...base, ...draft };
    case 'metadata.updated':
    case 'messages.removed':
    case 'messages.replaced':
    case 'session.forked':
      return { ...base, ...draft };
  }
}

/** A removal of the newest messages: where it cuts, how many it removes, the region it starts. */
export function rewindOf(e: LogEvent): { from: number; removed: number; region: number | undefined } | undefined {
  if (e.type === 'messages.removed') return { from: e.from, removed: e.count, region: e.region };
  if (e.type === 'messages.replaced') return { from: e.from, removed: e.removed, region: e.region };
  return undefined;
}

/**
 * Positions of the messages an event carries, or undefined when it carries none. A position may
 * be carried again by a later event after a removal: the later event's message is the one there.
 */
export function messageSpan(e: LogEvent): { from: number; to: number; messagesJson: string[] } | undefined {
  if (e.type !== 'messages.added' && e.type !== 'history.replaced' && e.type !== 'messages.replaced' && e.type !== 'session.forked') return undefined;
  return { from: e.from, to: e.from + e.messagesJson.length, messagesJson: e.messagesJson };
}
