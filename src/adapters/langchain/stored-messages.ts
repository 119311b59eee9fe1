import { coerceMessageLikeToMessage, mapChatMessagesToStoredMessages, mapStoredMessageToChatMessage } from '@langchain/core/messages';
import type { BaseMessage, StoredMessage } from '@langchain/core/messages';
import { TurnlogError } from '../../errors.js';
import type { Message } from '../../types.js';

/**
 * LangChain messages ⇄ turnlog messages. A message is stored as LangChain's own `StoredMessage`
 * (`{ type, data }`, what `BaseMessage.toDict()` returns), the record every LangChain chat history
 * keeps: the class comes back from `type`, and `data` holds content, `tool_calls`,
 * `tool_call_id`, `id`, `name`, `additional_kwargs`, `response_metadata`, `usage_metadata`…
 */
export function toStored(messages: readonly BaseMessage[]): Message[] {
  messages.forEach(checkStorable);
  // `toDict()` returns the message's own fields (not copies): the log encodes them to JSON at
  // once, so later changes to a message object never reach what was stored.
  return mapChatMessagesToStoredMessages([...messages]) as unknown as Message[];
}

/**
 * Refused before anything is written, with INVALID_ARGUMENT: what LangChain's mapping would
 * store but could never read back as it was — a `RemoveMessage` (an instruction to a graph, not
 * a message: every later read would fail) and binary data (`Uint8Array`, `Buffer`, an
 * `ArrayBuffer`), which JSON turns into `{"0":…}`. Pass bytes as base64 strings, as LangChain's
 * standard data blocks allow.
 */
function checkStorable(m: BaseMessage, i: number): void {
  const type = typeof m?.getType === 'function' ? m.getType() : undefined;
  if (type === 'remove') throw new TurnlogError('INVALID_ARGUMENT', `message ${i} is a RemoveMessage: a chat history stores messages, not instructions to remove them`);
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) throw new TurnlogError('INVALID_ARGUMENT', `message ${i}: ${path} is binary data, which JSON cannot hold; pass it as a base64 string`);
    for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk({ content: m.content, additional_kwargs: m.additional_kwargs, response_metadata: m.response_metadata, artifact: (m as { artifact?: unknown }).artifact }, 'message');
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A LangChain `StoredMessage` (`{ type, data }`), as this adapter and LangChain's own stores write it. */
export const isStoredMessage = (m: unknown): m is StoredMessage => isObj(m) && typeof m['type'] === 'string' && isObj(m['data']);

/**
 * The LangChain message for what the log returns. A session may also hold messages written in
 * another format (a Chat Completions history moved in with the turnlog API, `{ role, content,
 * tool_calls }`): LangChain reads those as it reads message-likes passed to a model.
 */
export function fromStored(sessionId: string, messages: readonly Message[]): BaseMessage[] {
  return messages.map((m, i) => {
    try {
      return isStoredMessage(m) ? mapStoredMessageToChatMessage(m) : coerceMessageLikeToMessage(m as Parameters<typeof coerceMessageLikeToMessage>[0]);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new TurnlogError('INVALID_ARGUMENT', `session ${JSON.stringify(sessionId)}: message ${i} is not a LangChain message (${why})`);
    }
  });
}
