import { BaseListChatMessageHistory } from '@langchain/core/chat_history';
import type { BaseMessage } from '@langchain/core/messages';
import { invalid } from '../../errors.js';
import type { SessionLog } from '../../engine/session-log.js';
import type { WriteOptions } from '../../types.js';
import { fromStored, toStored } from './stored-messages.js';

export interface TurnlogChatMessageHistoryInput {
  /** An open session log (any store: LMDB, memory, PostgreSQL). The history does not close it. */
  log: SessionLog;
  /** The turnlog session key the messages go to. */
  sessionId: string;
}

/**
 * A LangChain chat message history kept in a turnlog session: every `addMessage(s)` call is one
 * event, so each version of the history (what the model saw at a turn) stays readable with
 * `atVersion`, and the session takes part in turnlog's GC, summaries and cuts.
 */
export class TurnlogChatMessageHistory extends BaseListChatMessageHistory {
  lc_namespace = ['langchain', 'stores', 'message', 'turnlog'];

  readonly log: SessionLog;
  readonly sessionId: string;

  constructor(fields: TurnlogChatMessageHistoryInput) {
    // Only the session id goes to LangChain's serialisable kwargs: the log is a live handle.
    super({ sessionId: fields?.sessionId });
    if (typeof fields !== 'object' || fields === null) invalid('TurnlogChatMessageHistory needs { log, sessionId }');
    if (typeof fields.log?.getHistory !== 'function') invalid('log must be an open turnlog SessionLog');
    if (typeof fields.sessionId !== 'string' || fields.sessionId.length === 0) invalid('sessionId must be a non-empty string');
    this.log = fields.log;
    this.sessionId = fields.sessionId;
  }

  /** The visible history, oldest first, as new message objects (a summary is not among them: see `log.getSummary`). */
  async getMessages(): Promise<BaseMessage[]> {
    return fromStored(this.sessionId, await this.log.getHistory(this.sessionId));
  }

  async addMessage(message: BaseMessage): Promise<void> {
    await this.addMessages([message]);
  }

  /**
   * One event for the whole list (a turn's input and output together), so it is stored whole or
   * not at all. `opts` (beyond LangChain's interface) are turnlog's write options: with an
   * `eventId`, a retried call writes nothing; with `expectedVersion`, it appends only to the
   * history the caller read. An empty list writes nothing unless it carries an `eventId`.
   */
  override async addMessages(messages: BaseMessage[], opts?: WriteOptions): Promise<void> {
    if (!Array.isArray(messages)) invalid('messages must be an array');
    if (messages.length === 0 && opts?.eventId === undefined) return;
    await this.log.addMessages(this.sessionId, toStored(messages), opts);
  }

  /**
   * Empties the visible history, as one event (`history.replaced` with nothing): earlier versions
   * stay readable with `atVersion` until GC collects them. A session that does not exist stays so.
   */
  override async clear(): Promise<void> {
    if ((await this.log.getSession(this.sessionId)) === undefined) return;
    await this.log.setHistory(this.sessionId, []);
  }
}
