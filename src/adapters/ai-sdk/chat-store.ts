import { createHash, randomUUID } from 'node:crypto';
import { checkOptionKeys } from '../../core/validate.js';
import { invalid, isTurnlogError } from '../../errors.js';
import type { SessionLog } from '../../engine/session-log.js';
import type { Message, SessionInfo } from '../../types.js';
import { canonicalJson, diffChat, wireMessages } from './messages.js';
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
      await log.updateMetadata(keyOf(chatId), opts.metadata ?? {}, { expectedVersion: 0, eventId: 'ai-sdk:create' });
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
      for (let attempt = 1; ; attempt++) {
        const { version, messages: stored } = await snapshot(log, key);
        const change = diffChat(stored, incoming);
        if (change.kind === 'none') return;
        try {
          await write(log, key, version, change);
          return;
        } catch (error) {
          // Another writer changed the chat since it was read: diff against the new state.
          if (!isTurnlogError(error, 'CONFLICT') || attempt >= SAVE_ATTEMPTS) throw error;
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
 * One event, only if the chat is still at `version`. Its id is derived from that version and the
 * change (the ids and contents of the new messages, how many it replaces): the same save racing
 * itself is a duplicate, and the same change made again later (after an undo) is a new event.
 */
async function write(log: SessionLog, key: string, version: number, change: Exclude<ChatChange, { kind: 'none' }>): Promise<void> {
  const what = change.kind === 'append' ? 'add' : `replace${change.count}`;
  const digest = createHash('sha256')
    .update(canonicalJson([what, change.messages.map((m) => m['id']), change.messages]))
    .digest('base64url')
    .slice(0, 22);
  const opts = { expectedVersion: version, eventId: `ai-sdk:${version}:${what}:${digest}` };
  if (change.kind === 'append') await log.addMessages(key, change.messages, opts);
  else await log.replaceLast(key, change.count, change.messages, opts);
}
