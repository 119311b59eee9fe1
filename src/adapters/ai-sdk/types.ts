import type { SessionLog } from '../../engine/session-log.js';

/**
 * The shape every AI SDK major (5, 6 and 7) gives a `UIMessage`: `{ id, role, metadata?, parts }`.
 * The adapter reads nothing else and imports nothing from the SDK, so one build serves them all;
 * pass your own `UIMessage` type as the store's type parameter to get it back from `loadChat`.
 */
export interface UIMessageLike {
  id: string;
  role: string;
  metadata?: unknown;
  parts: readonly unknown[];
}

export interface ChatStoreOptions {
  /** The session log the chats live in (any store: LMDB, memory, PostgreSQL). */
  log: SessionLog;
  /**
   * Prepended to every chat id to make its session key (default `''`: the chat id is the key), so
   * that chats can share a log with other sessions and `listChats` lists chats only.
   */
  keyPrefix?: string;
}

export interface SaveChatArgs<M extends UIMessageLike> {
  chatId: string;
  /** The whole chat as the SDK's `onFinish` (v7: `onEnd`) hands it over. */
  messages: readonly M[];
}

export interface CreateChatOptions {
  /** Default: a random UUID. */
  chatId?: string;
  /** Initial chat metadata (a title, an owner…), stored as the session's metadata. */
  metadata?: Record<string, unknown>;
}

export interface LoadChatOptions {
  /** The chat as it was right after this session version (what the model saw then). */
  atVersion?: number;
}

/** A chat without its messages, as `listChats` returns it. */
export interface ChatInfo {
  chatId: string;
  /** The session version: one per stored change. */
  version: number;
  messageCount: number;
  /** ms since the epoch. */
  createdAt: number;
  updatedAt: number;
  /** The session summary (`''` when none): set by a summariser through `log.setSummary`. */
  summary: string;
  metadata: Record<string, unknown>;
}

/** A chat with its messages, read in one consistent snapshot. */
export interface Chat<M extends UIMessageLike> extends ChatInfo {
  messages: M[];
}

export interface ListChatsOptions {
  /** Only chats whose id starts with this (e.g. `${userId}/` when ids are made that way). */
  prefix?: string;
  /** Page size; default 50. */
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
}

export interface ChatPage {
  /** Most recently updated first. */
  chats: ChatInfo[];
  /** Present when more chats may follow (a page may hold fewer than `limit`, even none). */
  cursor?: string;
}

/** What the AI SDK's "Chatbot Message Persistence" pattern asks an app to write, over a turnlog. */
export interface ChatStore<M extends UIMessageLike = UIMessageLike> {
  /** Creates an empty chat and resolves to its id; CONFLICT when a chat with that id exists. */
  createChat(opts?: CreateChatOptions): Promise<string>;
  /** The chat's messages (`[]` for an unknown chat), oldest first, as they were stored. */
  loadChat(chatId: string, opts?: LoadChatOptions): Promise<M[]>;
  /**
   * Makes the stored chat equal `messages`, writing only the difference: messages not stored yet
   * (by id) are appended in one event; a regenerated or edited tail replaces the stored messages
   * from the first that differs, in one event. Saving what is stored already writes nothing.
   */
  saveChat(args: SaveChatArgs<M>): Promise<void>;
  /** The chat with its metadata and summary; `undefined` for an unknown chat. */
  readChat(chatId: string, opts?: LoadChatOptions): Promise<Chat<M> | undefined>;
  /** Shallow-merges `patch` into the chat's metadata (`null` deletes a field). */
  updateChatMetadata(chatId: string, patch: Record<string, unknown>): Promise<void>;
  listChats(opts?: ListChatsOptions): Promise<ChatPage>;
  /** Deletes the chat and its history; `true` if it existed. */
  deleteChat(chatId: string): Promise<boolean>;
}
