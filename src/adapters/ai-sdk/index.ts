/**
 * turnlog/ai-sdk: chat persistence for the Vercel AI SDK (`ai` 5, 6; see docs for 7). The SDK has
 * no store interface: its docs have the app write `loadChat`/`saveChat` over `UIMessage[]`; this
 * is that store, on any turnlog session log.
 */
export { createChatStore } from './chat-store.js';
export type { Chat, ChatInfo, ChatPage, ChatStore, ChatStoreOptions, CreateChatOptions, ListChatsOptions, LoadChatOptions, SaveChatArgs, UIMessageLike } from './types.js';
