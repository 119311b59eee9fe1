/**
 * A message as the agent hands it over: any plain JSON object, stored and returned verbatim. A Chat
 * Completions, Anthropic or AI SDK message has a `role`; a Responses item (function call, result,
 * reasoning) has a `type` and no role. The history rules read the formats listed in docs/api.md
 * ("Message formats"); other shapes are kept as opaque data.
 */
export interface Message {
  /** Present on chat-style messages; absent on Responses items. When present, a non-empty string. */
  role?: string;
  content?: unknown;
  [field: string]: unknown;
}

/** The closed set of event types in a session log. */
export const EVENT_TYPES = [
  'messages.added',
  'summary.set',
  'history.truncated',
  'history.replaced',
  'metadata.updated',
  'messages.removed',
  'messages.replaced',
  'session.forked',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface WriteOptions {
  /** Write only if the session is at this version (0 = the session must not exist); else CONFLICT. */
  expectedVersion?: number;
  /**
   * Idempotency key. Repeating a write with an id already applied in the session writes nothing
   * and returns `{ duplicate: true }`; reusing the id for a different change (another method,
   * payload or option that shapes the result) is CONFLICT. Default: none.
   */
  eventId?: string;
  /**
   * The event's timestamp (ms since the epoch) instead of the log's clock: for importers carrying
   * over the times of another store. Like every `at`, informational only; order is by version.
   */
  at?: number;
}

export interface WriteResult {
  /** The session version of the event (for a duplicate: of the original event). */
  version: number;
  /** True when `eventId` had already been applied and nothing was written. */
  duplicate?: boolean;
}

export interface SummaryOptions extends WriteOptions {
  /** Also drop every message added at or before this session version, in the same event. */
  through?: number;
}

export interface TruncateOptions extends WriteOptions {
  /** Move the cut back to the start of a turn (a user message) so no tool call/result pair is split. */
  safe?: boolean;
}

export interface ReadOptions {
  /** Read the state as it was right after this version's event. Default: the current version. */
  atVersion?: number;
}

export interface HistoryOptions extends ReadOptions {
  /** Only the newest `last` visible messages (a non-negative integer); reads O(last) rows. Default: all. */
  last?: number;
}

/** What `removeLast` and `replaceLast` resolve to. */
export interface RemoveResult extends WriteResult {
  /**
   * The messages that stopped being visible, oldest first. For a duplicate: those of the original
   * event, read back from the log; empty when GC has collected that event (no longer readable).
   */
  removed: Message[];
}

export interface SessionInfo {
  key: string;
  version: number;
  messageCount: number;
  /** ms since epoch, from the first event. */
  createdAt: number;
  /** ms since epoch, from the last event. */
  updatedAt: number;
  summary: string;
  metadata: Record<string, unknown>;
}

/**
 * What one session occupies in its store (see `getSessionSize` in docs/api.md). Logical bytes,
 * the same on LMDB and memory; PostgreSQL counts its rows' stored column bytes.
 */
export interface SessionSize {
  /**
   * Bytes of the session's records. LMDB and memory: keys (as LMDB encodes them) plus values of
   * its directory entry, head, state, recency entry, GC queue entry, events, event ids,
   * checkpoints and chunks; LMDB's page and node overhead is not counted. PostgreSQL: the sum
   * of `pg_column_size` of its rows in `sessions`, `events`, `messages`, `states` and
   * `event_ids` (after TOAST compression; tuple headers and index entries not counted).
   */
  bytes: number;
  /** Events the store keeps for the session (after GC; the GC base is not an event). */
  events: number;
}

export interface ListOptions {
  /** Page size; default 50, at most 10,000. */
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
  /** Only keys starting with this string. */
  prefix?: string;
}

export interface SessionPage {
  sessions: SessionInfo[];
  /**
   * Present when more sessions may follow. With a `prefix`, a page can hold fewer than `limit`
   * sessions (even none) and still carry a cursor: one call examines a bounded number of
   * sessions. Page until it is absent.
   */
  cursor?: string;
}

export interface ReadEventsOptions {
  /** First version to return (inclusive); default 1. */
  fromVersion?: number;
  /** Last version to return (inclusive); default the current version. */
  toVersion?: number;
}

interface EventBase {
  version: number;
  /** ms since epoch from the writer's clock. Informational: order is `version`. */
  at: number;
  eventId?: string;
}

/**
 * Positions (`from`, `start`) are absolute: the n-th message ever added to the session has position n
 * (from 0), whatever was cut or replaced since — except that removing the newest messages
 * (`messages.removed`, `messages.replaced`: `from` is the position of the first removed one) gives
 * their positions to the messages that follow. They make every event replayable on its own.
 */
export type SessionEvent =
  | (EventBase & { type: 'messages.added'; messages: Message[]; from: number })
  | (EventBase & { type: 'summary.set'; summary: string; through?: number; start?: number })
  | (EventBase & { type: 'history.truncated'; keepLast: number; safe: boolean; start: number })
  | (EventBase & { type: 'history.replaced'; messages: Message[]; from: number })
  | (EventBase & { type: 'metadata.updated'; patch: Record<string, unknown> })
  | (EventBase & { type: 'messages.removed'; count: number; from: number })
  | (EventBase & { type: 'messages.replaced'; removed: number; messages: Message[]; from: number })
  /**
   * The first event of a session made by `forkSession`: the source's visible messages (at their
   * source positions, from `from`), summary and metadata at `forkedFrom.version`.
   */
  | (EventBase & { type: 'session.forked'; forkedFrom: ForkOrigin; messages: Message[]; from: number; summary: string; metadata: Record<string, unknown> });

/** Where a forked session came from. */
export interface ForkOrigin {
  /** The source session's key. */
  key: string;
  /** The source's version the fork copied. */
  version: number;
}

export interface ForkOptions {
  /** The source's version to copy (0 = before its first event: an empty session). Default: the source's current version. */
  atVersion?: number;
  /**
   * Idempotency key, stored in the new session. A retry with the same id and the same source and
   * `atVersion` resolves to the first fork's result with `duplicate: true` (even after the
   * source was deleted or collected); another fork with that id is CONFLICT. Default: none.
   */
  eventId?: string;
}

/** What `forkSession` resolves to. */
export interface ForkResult extends WriteResult {
  /**
   * The source key and the version copied (the resolved version when `atVersion` was left out).
   * Absent only for a duplicate whose fork event GC has collected since.
   */
  forkedFrom?: ForkOrigin;
  /**
   * How many messages the fork copied (as its fork event records them). Absent, like
   * `forkedFrom`, only for a duplicate whose fork event GC has collected since: a caller that
   * wants the count never has to read a version of the new session that GC may have collected.
   */
  messageCount?: number;
}

export interface DiffOptions {
  /** The version compared from (0 = before the first event). Default: `toVersion − 1` (what one event changed). */
  fromVersion?: number;
  /** The version compared to. Default: the session's current version. */
  toVersion?: number;
}

/** A message in a diff, with its absolute position in the session (see SessionEvent). */
export interface DiffMessage {
  position: number;
  message: Message;
}

/** A metadata field that holds a value on both sides, but not the same one. */
export interface ChangedField {
  before: unknown;
  after: unknown;
}

/**
 * How the view at `toVersion` (history, summary, metadata) differs from the view at
 * `fromVersion`. Messages are told apart by position, not content: a message cut by a truncation
 * or summary is removed, a replaced one is removed and its replacement added at the same
 * position, even when both have the same content.
 */
export interface SessionDiff {
  key: string;
  fromVersion: number;
  toVersion: number;
  /** Messages visible at `toVersion` and not at `fromVersion`, oldest first. */
  added: DiffMessage[];
  /** Messages visible at `fromVersion` and not at `toVersion`, oldest first. */
  removed: DiffMessage[];
  /** Visible message counts at `fromVersion` and `toVersion`. */
  messageCount: { before: number; after: number };
  /** Present only when the summary differs. */
  summary?: { before: string; after: string };
  /** Top-level metadata fields added, removed (with their old value) and changed; values compared as JSON. */
  metadata: { added: Record<string, unknown>; removed: Record<string, unknown>; changed: Record<string, ChangedField> };
}
