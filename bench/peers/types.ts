import type { Message } from '../../src/types.js';

/**
 * A read's result: turnlog's reads return promises, the file and SQLite peers' are synchronous.
 * The scenarios await every read, of every peer, so each pays the same await.
 */
export type Awaitable<T> = T | Promise<T>;

/**
 * What every peer store offers the scenarios: the operations an agent gateway performs on a
 * conversation. Each peer implements them the way the design it stands for does (see the file
 * of each peer); the scenarios never reach behind this interface.
 */
export interface HistoryStore {
  /** Name in tables, e.g. `sqlite FULL`. */
  readonly name: string;
  /** When a resolved write is safe, in words: printed next to every number of this peer. */
  readonly durability: string;
  /** Appends one message. */
  append(key: string, message: Message): Promise<void>;
  /** The messages an agent sends to the model. */
  history(key: string): Awaitable<Message[]>;
  /** Version-like token of what `history` saw, for summarisers that can use it (turnlog). */
  summarise(key: string, summary: string, keepLast: number, seen: SeenHistory): Promise<void>;
  /** What a summariser reads before its (slow) model call. */
  snapshot(key: string): Awaitable<SeenHistory>;
  /** Not timed: writes a whole history at once, the fastest way the store allows. */
  seed(key: string, messages: Message[]): Promise<void>;
  close(): Promise<void>;
}

export interface SeenHistory {
  messages: Message[];
  /** turnlog's version of the session when it was read; other stores have none. */
  version?: number;
}

/** The metadata/list side of a gateway: openclaw's sessions.json and its replacements. */
export interface IndexStore {
  readonly name: string;
  readonly durability: string;
  /** Merges `patch` into the session's entry and marks it updated now. */
  update(key: string, patch: Record<string, unknown>): Promise<void>;
  /** The most recently updated sessions' entries are read; their keys are returned, newest first. */
  newest(limit: number): Awaitable<string[]>;
  /** Not timed: creates `count` sessions with realistic entries, oldest first. */
  seed(count: number, entry: (i: number) => Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** Opens a peer's store kept in (or named after) `dir`; a networked store opens asynchronously. */
export type HistoryPeer = (dir: string) => Awaitable<HistoryStore>;
export type IndexPeer = (dir: string) => Awaitable<IndexStore>;
