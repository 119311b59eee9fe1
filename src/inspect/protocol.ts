/**
 * The inspector's JSON API, as the page reads it: shared by the server (src/inspect) and the
 * page (src/inspect/client), which imports these types only.
 */

/** One row of the sessions list. */
export interface SessionRow {
  key: string;
  version: number;
  messageCount: number;
  createdAt: number;
  /** Last activity: ms since the epoch, from the writer's clock. */
  updatedAt: number;
  /** The summary's first 160 characters. */
  summary: string;
}

/** What `api/sizes` answers: getSessionSize of each requested key (sessions that no longer exist are left out). */
export interface SizesPage {
  sizes: Array<{ key: string; bytes: number; events: number }>;
}

export interface SessionsPage {
  sessions: SessionRow[];
  /** Present when more sessions follow: pass it back as `cursor`. */
  cursor?: string;
  /** Store-wide counts (first page only). */
  store?: { sessions: number; logBytes: number };
}

/** One event of the timeline. */
export interface EventLine {
  version: number;
  at: number;
  type: string;
  /** What changed, in one line. */
  line: string;
  eventId?: string;
  /** For a cut (summary with `through`, truncation): the absolute position the history starts at. */
  cutAt?: number;
  /** For the first event of a forked session: the session and version it was forked from. */
  forkedFrom?: { key: string; version: number };
}

export interface EventsPage {
  key: string;
  /** The session's current version. */
  latest: number;
  /** The oldest version that can be read (older ones were collected by GC). */
  oldest: number;
  /** Newest first. */
  events: EventLine[];
  /** Present when older events follow: ask again with `before` set to it. */
  before?: number;
}

/** A tool call a message makes, for display. */
export interface ShownCall {
  name: string;
  /** At most SHOWN_CHARS characters; the whole is in the stored JSON. */
  args: string;
  /** Set when `args` was cut: its whole length in characters. */
  argsChars?: number;
  id?: string;
}

/**
 * The most characters of one text or call's arguments a view sends besides the stored message
 * itself: a 5 MB message is sent once (as stored), not again as text and as a diff line.
 */
export const SHOWN_CHARS = 20_000;

/** One message of the history at a version. */
export interface ShownMessage {
  /** 0-based index in the history at that version. */
  index: number;
  /** The message exactly as stored and returned by getHistory. */
  message: unknown;
  /** Role, or item type for role-less items. */
  kind: string;
  /** At most SHOWN_CHARS characters; the whole is in `message`. */
  text: string;
  /** Set when `text` was cut: its whole length in characters. */
  textChars?: number;
  calls: ShownCall[];
  /** For a tool result: the call id it answers. */
  answers?: string;
  /** A tool result or approval response. */
  result: boolean;
  /** Indexes of the messages this one pairs with (a call's results, a result's call). */
  pairs: number[];
  /** A result that answers no call made before it in the history (a model API refuses it). */
  orphan: boolean;
  /** A result whose call lies in earlier messages, not loaded: not an orphan. */
  callEarlier: boolean;
  /** Calls that no message up to the end of the history answers (yet). */
  unanswered: string[];
}

/** The messages, summary and metadata at one version, and what its event changed. */
export interface VersionView {
  key: string;
  version: number;
  latest: number;
  oldest: number;
  event?: EventLine;
  messageCount: number;
  summary: string;
  metadata: Record<string, unknown>;
  /** The newest messages up to the page size; `firstIndex` is the index of the first one. */
  messages: ShownMessage[];
  firstIndex: number;
  /** What the event of this version changed (versus the previous version). */
  diff?: VersionDiff;
}

export interface VersionDiff {
  from: number;
  to: number;
  /** Messages that became visible, one line each (role, calls, text). */
  added: string[];
  /** Messages that stopped being visible (cut, replaced, removed), one line each. */
  removed: string[];
  /** The absolute position of the first removed message (where a cut fell). */
  removedFrom?: number;
  summary?: { before: string; after: string };
  metadata: Array<{ key: string; before?: unknown; after?: unknown }>;
}

/** What the live stream sends (server-sent events, `data:` is one of these). */
export type LiveMessage =
  | { kind: 'sessions'; sessions: SessionRow[] }
  | { kind: 'session'; key: string; version: number; deleted?: boolean }
  /** The poller cannot read the store (`ok: false`, once, with the error), or can again (`ok: true`). */
  | { kind: 'store'; ok: boolean; error?: string };

/** What the page is told at start. */
export interface PageConfig {
  allowWrites: boolean;
  /** How to name the store in a printed command (`--path DIR`, a URL with its password masked). */
  storeArgs: string[];
  /** How the user runs turnlog (`turnlog` or `npx turnlog`). */
  command: string;
  pageSize: number;
}
