/** `turnlog/langchain`: a LangChain.js chat message history kept in a turnlog session. */
export { TurnlogChatMessageHistory } from './chat-message-history.js';
export type { TurnlogChatMessageHistoryInput } from './chat-message-history.js';
