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
  | (EventBase & { type: 'messages.replaced'; removed: number; messages: Message[]; from: number });
