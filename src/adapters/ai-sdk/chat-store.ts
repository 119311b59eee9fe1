import { createHash, randomUUID } from 'node:crypto';
import { checkOptionKeys } from '../../core/validate.js';
import { TurnlogError, invalid, isTurnlogError } from '../../errors.js';
import type { SessionLog } from '../../engine/session-log.js';
import type { Message, SessionInfo } from '../../types.js';
import { canonicalJson, diffChat, wireMessages, withoutCut } from './messages.js';
import type { ChatChange } from './messages.js';
import type { Chat, ChatInfo, ChatPage, ChatStore, ChatStoreOptions, CreateChatOptions, ListChatsOptions, LoadChatOptions, SaveChatArgs, UIMessageLike } from './types.js';

/** A save (or a read) that keeps losing its race to other writers of the same chat gives up after this many reads. */
const SAVE_ATTEMPTS = 16;

/**
 * A chat store for the AI SDK over a turnlog session log: one session per chat, keyed by
 * `keyPrefix + chatId`, holding the chat's UIMessages as they are.
 */
export function createChatStore<M extends UIMessageLike = UIMessageLike>(options: ChatStoreOptions): ChatStore<M> {
  checkOptionKeys('createChatStore options', options, ['log', 'keyPrefix']);
  const log = options?.log;
  if (typeof log !== 'object' || log === null || typeof log.getHistory !== 'function') invalid('createChatStore needs { log }: an open turnlog session log');
  const prefix = options.keyPrefix ?? '';
  if (typeof prefix !== 'string') invalid('keyPrefix must be a string');
  const keyOf = (chatId: unknown): string => {
    if (typeof chatId !== 'string' || chatId.length === 0) invalid('chatId must be a non-empty string');
    return prefix + chatId;
  };
  const infoOf = (s: SessionInfo): ChatInfo => ({
    chatId: s.key.slice(prefix.length),
    version: s.version,
    messageCount: s.messageCount,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    summary: s.summary,
    metadata: s.metadata,
  });

  return {
    async createChat(opts: CreateChatOptions = {}) {
      checkOptionKeys('createChat options', opts, ['chatId', 'metadata']);
      const chatId = opts.chatId ?? randomUUID();
      // Version 0 expected: an existing chat is CONFLICT. The event id makes a retried creation
      // (same metadata) a duplicate rather than a conflict with itself.
      const key = keyOf(chatId);
      const created = await log.updateMetadata(key, opts.metadata ?? {}, { expectedVersion: 0, eventId: 'ai-sdk:create' });
      // A retry is a duplicate only while the chat is still just created; after that, it exists.
      if (created.duplicate === true && (await log.getSession(key))?.version !== created.version) {
        throw new TurnlogError('CONFLICT', `chat ${JSON.stringify(chatId)} already exists`);
      }
      return chatId;
    },

    async loadChat(chatId, opts) {
      checkOptionKeys('loadChat options', opts, ['atVersion']);
      return (await log.getHistory(keyOf(chatId), opts?.atVersion === undefined ? {} : { atVersion: opts.atVersion })) as unknown as M[];
    },

    async saveChat(args: SaveChatArgs<M>) {
      checkOptionKeys('saveChat arguments', args, ['chatId', 'messages']);
      const key = keyOf(args?.chatId);
      const incoming = wireMessages(args.messages);
      const eventId = saveId(incoming);
      for (let attempt = 1; ; attempt++) {
        const { version, messages: stored } = await snapshot(log, key);
        const diff = diffChat(stored, incoming, version);
        const change = diff.kind === 'unanchored' ? withoutCut(stored, incoming, await storedIds(log, key, version)) : diff;
        if (change.kind === 'none') return;
        try {
          await write(log, key, version, change, eventId);
          return;
        } catch (error) {
          if (!isTurnlogError(error, 'CONFLICT') || attempt >= SAVE_ATTEMPTS) throw error;
          // The same save (the same list) was applied before, at another version: a late retry or
          // a repeated onFinish. It is not applied again over what came after it.
          if (error.expected === undefined) return;
          // Another writer changed the chat since it was read: diff against the new state.
        }
      }
    },

    async readChat(chatId, opts) {
      checkOptionKeys('readChat options', opts, ['atVersion']);
      const key = keyOf(chatId);
      const { info, messages } = await snapshot(log, key, opts?.atVersion);
      return info === undefined ? undefined : { ...infoOf(info), messages: messages as unknown as M[] };
    },

    async updateChatMetadata(chatId, patch) {
      await log.updateMetadata(keyOf(chatId), patch);
    },

    async listChats(opts: ListChatsOptions = {}): Promise<ChatPage> {
      checkOptionKeys('listChats options', opts, ['prefix', 'limit', 'cursor']);
      if (opts.prefix !== undefined && typeof opts.prefix !== 'string') invalid('prefix must be a string');
      const page = await log.listSessions({
        prefix: prefix + (opts.prefix ?? ''),
        ...(opts.limit === undefined ? {} : { limit: opts.limit }),
        ...(opts.cursor === undefined ? {} : { cursor: opts.cursor }),
      });
      const chats = page.sessions.map(infoOf);
      return page.cursor === undefined ? { chats } : { chats, cursor: page.cursor };
    },

    deleteChat(chatId) {
      return log.deleteSession(keyOf(chatId));
    },
  } satisfies ChatStore<M>;
}

/**
 * The session and its history at one version (the current one unless `atVersion`): the version
 * is read first and the history at it, so a write landing in between cannot mix two states.
 */
async function snapshot(log: SessionLog, key: string, atVersion?: number): Promise<{ info: SessionInfo | undefined; version: number; messages: Message[] }> {
  for (let attempt = 1; ; attempt++) {
    const info = await log.getSession(key, atVersion === undefined ? {} : { atVersion });
    if (info === undefined) return { info, version: 0, messages: [] };
    try {
      return { info, version: info.version, messages: await log.getHistory(key, { atVersion: info.version }) };
    } catch (error) {
      // Collected, or deleted and re-created shorter, between the two reads (only when other
      // writers and GC race this one): read both again.
      const raced = isTurnlogError(error, 'PRUNED') || isTurnlogError(error, 'INVALID_ARGUMENT');
      if (atVersion !== undefined || !raced || attempt >= SAVE_ATTEMPTS) throw error;
    }
  }
}

/**
 * A save's event id: derived from the whole list it saves (ids and contents), not from the chat's
 * version. The same save racing itself is one event; the same save arriving again after other
 * saves (a retried request, a repeated onFinish) finds its id used and changes nothing.
 */
function saveId(incoming: readonly Message[]): string {
  return `ai-sdk:save:${createHash('sha256').update(canonicalJson(incoming)).digest('base64url').slice(0, 32)}`;
}

/** The ids of every message the chat's kept events placed, up to `version` (an unanchored save needs them). */
async function storedIds(log: SessionLog, key: string, version: number): Promise<Set<unknown>> {
  const ids = new Set<unknown>();
  for await (const e of log.readEvents(key, { toVersion: version })) {
    if (e.type === 'messages.added' || e.type === 'history.replaced' || e.type === 'messages.replaced' || e.type === 'session.forked') for (const m of e.messages) ids.add(m['id']);
  }
  return ids;
}

/** One event, only if the chat is still at `version`. */
async function write(log: SessionLog, key: string, version: number, change: Exclude<ChatChange, { kind: 'none' }>, eventId: string): Promise<void> {
  const opts = { expectedVersion: version, eventId };
  if (change.kind === 'append') await log.addMessages(key, change.messages, opts);
  else await log.replaceLast(key, change.count, change.messages, opts);
}
