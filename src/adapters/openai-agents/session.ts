import { randomUUID } from 'node:crypto';
import { UserError } from '@openai/agents-core';
import type { AgentInputItem, SessionHistoryTransactionArgs, SessionHistoryTransactionAwareSession } from '@openai/agents-core';
import type { SessionLog } from '../../engine/session-log.js';
import { isTurnlogError } from '../../errors.js';
import type { Message, RemoveResult } from '../../types.js';
import { copyItems, encodeItems, sameJson } from './items.js';
import { checkTransactionArgs } from './transaction.js';
import type { CheckedTransaction } from './transaction.js';

export interface TurnlogSessionOptions {
  /** The open turnlog store (any backend). The session never closes it. */
  log: SessionLog;
  /** The turnlog session key. Default: a random UUID. */
  sessionId?: string;
  /**
   * When set and the session has a summary (`setSummary`), `getItems` returns this item first,
   * so the model still sees what a summariser cut away. Default: the summary is not returned.
   */
  summaryItem?: (summary: string) => AgentInputItem;
}

/**
 * A version an `expectedVersion` never matches: a write with it can only be a duplicate (or an
 * event-id conflict), so it asks the store atomically whether an operation id was applied.
 */
const NEVER = Number.MAX_SAFE_INTEGER;
/** How often a suffix replacement re-reads after losing a race with another writer. */
const RACE_RETRIES = 64;

/**
 * The OpenAI Agents SDK `Session` over a turnlog session log: one stored message per item, as the
 * SDK gives it. Transactions are turnlog events whose `eventId` is the operation id.
 */
export class TurnlogSession implements SessionHistoryTransactionAwareSession {
  private readonly log: SessionLog;
  private readonly key: string;
  private readonly summaryItem: ((summary: string) => AgentInputItem) | undefined;

  constructor(options: TurnlogSessionOptions) {
    if (options === null || typeof options !== 'object' || options.log === undefined) throw new UserError('TurnlogSession needs { log }.');
    if (options.sessionId !== undefined && (typeof options.sessionId !== 'string' || options.sessionId === '')) {
      throw new UserError('TurnlogSession sessionId must be a non-empty string.');
    }
    this.log = options.log;
    this.key = options.sessionId ?? randomUUID();
    this.summaryItem = options.summaryItem;
  }

  async getSessionId(): Promise<string> {
    return this.key;
  }

  /** The newest `limit` items (all without one), oldest first; reads only those messages. */
  async getItems(limit?: number): Promise<AgentInputItem[]> {
    if (limit !== undefined && (typeof limit !== 'number' || Number.isNaN(limit))) throw new UserError('getItems limit must be a number.');
    if (limit !== undefined && limit <= 0) return [];
    const last = limit === undefined || limit === Infinity ? undefined : Math.floor(limit);
    if (this.summaryItem === undefined) return copyItems(await this.log.getHistory(this.key, last === undefined ? {} : { last }));
    // Summary and messages read at one version, so a summariser's cut is seen whole or not at all.
    const info = await this.log.getSession(this.key);
    if (info === undefined) return [];
    const at = { atVersion: info.version };
    const messages = await this.log.getHistory(this.key, last === undefined ? at : { ...at, last });
    const summary = last !== undefined && messages.length >= last ? '' : await this.log.getSummary(this.key, at);
    const items = copyItems(messages);
    return summary === '' ? items : [this.summaryItem(summary), ...items];
  }

  async addItems(items: AgentInputItem[]): Promise<void> {
    const messages = encodeItems(items, 'Session items');
    if (messages.length === 0) return;
    await this.log.addMessages(this.key, messages);
  }

  /** Removes the newest item in one event (turnlog `removeLast`), never rewriting the history. */
  async popItem(): Promise<AgentInputItem | undefined> {
    const { removed } = await this.log.removeLast(this.key, 1);
    return removed.length === 0 ? undefined : copyItems(removed)[0];
  }

  /** Deletes the turnlog session: items, summary and the operation ids applied so far. */
  async clearSession(): Promise<void> {
    await this.log.deleteSession(this.key);
  }

  /** One `history.replaced` event: the session keeps its id and its past versions stay readable. */
  async replaceHistoryWithCompaction(items: AgentInputItem[]): Promise<void> {
    await this.log.setHistory(this.key, encodeItems(items, 'Session items'));
  }

  /**
   * Applies `append_items` or `replace_suffix` as one turnlog event with `eventId: operationId`.
   * The same operation again succeeds without writing; the id with another transaction, or a
   * suffix that is not the newest items, fails and writes nothing.
   */
  async applyHistoryTransaction(args: SessionHistoryTransactionArgs): Promise<void> {
    const { operationId, transaction } = checkTransactionArgs(args);
    if (transaction.type === 'append_items') {
      await this.guard(() => this.log.addMessages(this.key, transaction.items, { eventId: operationId }));
      return;
    }
    await this.replaceSuffix(operationId, transaction);
  }

  private async replaceSuffix(eventId: string, t: Extract<CheckedTransaction, { type: 'replace_suffix' }>): Promise<void> {
    const count = t.expectedSuffix.length;
    for (let attempt = 0; attempt < RACE_RETRIES; attempt++) {
      const info = await this.log.getSession(this.key);
      const version = info?.version ?? 0;
      const actual = version === 0 || count === 0 ? [] : await this.log.getHistory(this.key, { atVersion: version, last: count });
      const matches = actual.length === count && sameJson(actual, t.expectedSuffix);
      try {
        // Conditional on the version the suffix was read at: a write in between is a CONFLICT, not a
        // replacement of items nobody checked. The store checks the operation id first.
        const result = await this.guard(() => this.log.replaceLast(this.key, count, t.replacement, { eventId, expectedVersion: matches ? version : NEVER }));
        if (result.duplicate === true) this.checkRetry(result, t.expectedSuffix);
        return;
      } catch (error) {
        if (!isTurnlogError(error, 'CONFLICT')) throw error;
        if (!matches) throw new UserError('Session history suffix no longer matches the transaction precondition.');
        // Lost a race: read again.
      }
    }
    throw new UserError('Session history changed too often to replace its suffix; try again.');
  }

  /**
   * The turnlog fingerprint covers the count and the replacement; a retry must also have asked
   * to replace the same items, which the original event records as what it removed.
   */
  private checkRetry(result: RemoveResult, expectedSuffix: Message[]): void {
    // Empty when GC collected the original event: then the count and replacement are all we can compare.
    if (expectedSuffix.length > 0 && result.removed.length > 0 && !sameJson(result.removed, expectedSuffix)) {
      throw new UserError('Session history operation was already applied with a different transaction.');
    }
  }

  /** An operation id reused for another change is the SDK's "different transaction" error. */
  private async guard<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isTurnlogError(error, 'CONFLICT') && (error as { expected?: number }).expected === undefined) {
        throw new UserError('Session history operation was already applied with a different transaction.');
      }
      throw error;
    }
  }
}
