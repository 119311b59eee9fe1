import type { ReplayStep } from './replay.js';
import { encodeMessage, encodeMessages, encodePatch, checkOptionKeys, validateCount, validateKey, validateSummary, validateVersionOption } from '../core/validate.js';
import { TurnlogError, invalid, isTurnlogError } from '../errors.js';
import type { DiffOptions, ForkOptions, ForkOrigin, ForkResult, HistoryOptions, ListOptions, Message, ReadEventsOptions, ReadOptions, RemoveResult, SessionDiff, SessionEvent, SessionInfo, SessionPage, SessionSize, SummaryOptions, TruncateOptions, WriteOptions, WriteResult } from '../types.js';
import type { ResolvedOptions } from './options.js';
import type { GcOptions, GcReport } from './gc.js';
import type { SessionLogStats } from './stats.js';
import type { VerifyReport } from './verify.js';
import type { KeptEventId } from './session-reads.js';
import { prepareWrite } from './write-request.js';
import type { PreparedChange } from './write-request.js';
import { checkGcOptions, checkVerifyOptions, checkBackupArguments, gcPolicy } from './maintenance-calls.js';
import type { WriteOutcome } from './writer.js';
import type { SessionStore } from '../store/session-store.js';
import { DIFF_OPTION_NAMES, FORK_OPTION_NAMES, HISTORY_OPTION_NAMES, LIST_OPTION_NAMES, READ_EVENTS_OPTION_NAMES, READ_OPTION_NAMES, SUMMARY_OPTION_NAMES, TRUNCATE_OPTION_NAMES, WRITE_OPTION_NAMES } from './method-options.js';
import type { BackupOptions, VerifyOptions } from './maintenance-options.js';
import { checkListOptions } from './listing.js';
import { diffThrough, forkThrough } from './fork-diff.js';

/** Filled in by forkThrough once the source is read. */
const PENDING_FORK = { type: 'session.forked', sourceKey: '', sourceVersion: 0, from: 0, messagesJson: [], summary: '', metadataJson: '{}' } as const satisfies PreparedChange['change'];

/** The public surface of a session log, the same on every store; see docs/api.md. */
export interface SessionLog {
  addMessage(key: string, role: string, content: unknown, opts?: WriteOptions): Promise<WriteResult>;
  addFullMessage(key: string, message: Message, opts?: WriteOptions): Promise<WriteResult>;
  addMessages(key: string, messages: Message[], opts?: WriteOptions): Promise<WriteResult>;
  setSummary(key: string, summary: string, opts?: SummaryOptions): Promise<WriteResult>;
  truncateHistory(key: string, keepLast: number, opts?: TruncateOptions): Promise<WriteResult>;
  setHistory(key: string, messages: Message[], opts?: WriteOptions): Promise<WriteResult>;
  removeLast(key: string, count: number, opts?: WriteOptions): Promise<RemoveResult>;
  replaceLast(key: string, count: number, messages: Message[], opts?: WriteOptions): Promise<RemoveResult>;
  updateMetadata(key: string, patch: Record<string, unknown>, opts?: WriteOptions): Promise<WriteResult>;
  forkSession(sourceKey: string, newKey: string, opts?: ForkOptions): Promise<ForkResult>;
  deleteSession(key: string): Promise<boolean>;
  getHistory(key: string, opts?: HistoryOptions): Promise<Message[]>;
  getSummary(key: string, opts?: ReadOptions): Promise<string>;
  getSession(key: string, opts?: ReadOptions): Promise<SessionInfo | undefined>;
  getSessionSize(key: string): Promise<SessionSize | undefined>;
  listSessions(opts?: ListOptions): Promise<SessionPage>;
  readEvents(key: string, opts?: ReadEventsOptions): AsyncIterable<SessionEvent>;
  replay(key: string, opts?: ReadEventsOptions): AsyncIterable<ReplayStep>;
  diff(key: string, opts?: DiffOptions): Promise<SessionDiff>;
  stats(): Promise<SessionLogStats>;
  gc(opts?: GcOptions): Promise<GcReport>;
  backup(dest: string, opts?: BackupOptions): Promise<void>;
  verify(opts?: VerifyOptions): Promise<VerifyReport>;
  close(): Promise<void>;
}

/**
 * The public layer over any SessionStore: argument checks and encoding (bad input never reaches
 * a store), the clock, background GC, and `close()` waiting for every call in flight.
 */
export class SessionLogEngine implements SessionLog {
  private closed = false;
  /** Aborted when close() starts: GC, purges and verify stop at their next transaction or page. */
  private readonly closing = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();
  private gcTimer: NodeJS.Timeout | undefined;
  private gcRunning: Promise<GcReport> | undefined;
  private closedStore: Promise<void> | undefined;

  constructor(
    private readonly store: SessionStore,
    private readonly opts: ResolvedOptions,
  ) {
    if (opts.autoGcInterval > 0) {
      this.gcTimer = setInterval(() => void this.gc().catch(() => undefined), opts.autoGcInterval);
      this.gcTimer.unref();
    }
  }

  // ---------------------------------------------------------------- writes

  addMessage(key: string, role: string, content: unknown, opts?: WriteOptions): Promise<WriteResult> {
    return this.addFullMessage(key, { role, content }, opts);
  }

  addFullMessage(key: string, message: Message, opts?: WriteOptions): Promise<WriteResult> {
    return this.write(key, opts, WRITE_OPTION_NAMES, 'messages.added', () => {
      const messagesJson = [encodeMessage(message, this.opts.maxMessageBytes)];
      return { parts: messagesJson, change: { type: 'messages.added', messagesJson } };
    });
  }

  /** An empty list is recorded (as an event) only with an eventId; without one it writes nothing. */
  addMessages(key: string, messages: Message[], opts?: WriteOptions): Promise<WriteResult> {
    return this.write(key, opts, WRITE_OPTION_NAMES, 'messages.added', () => {
      const messagesJson = encodeMessages(messages, this.opts.maxMessageBytes, true);
      return { parts: messagesJson, change: { type: 'messages.added', messagesJson } };
    });
  }

  setHistory(key: string, messages: Message[], opts?: WriteOptions): Promise<WriteResult> {
    return this.write(key, opts, WRITE_OPTION_NAMES, 'history.replaced', () => {
      const messagesJson = encodeMessages(messages, this.opts.maxMessageBytes, true);
      return { parts: messagesJson, change: { type: 'history.replaced', messagesJson } };
    });
  }

  /**
   * Removes the newest `count` visible messages (all of them when fewer are visible) in one
   * event, and resolves to what it removed. Costs O(count): the history before them is neither
   * read nor copied. Removing nothing is recorded only with an eventId.
   */
  removeLast(key: string, count: number, opts?: WriteOptions): Promise<RemoveResult> {
    return this.rewind(key, count, undefined, opts);
  }

  /**
   * Replaces the newest `count` visible messages (all of them when fewer are visible) by
   * `messages`, in one event; resolves to what it removed. Costs O(count + messages).
   */
  replaceLast(key: string, count: number, messages: Message[], opts?: WriteOptions): Promise<RemoveResult> {
    return this.rewind(key, count, messages, opts);
  }

  private async rewind(key: string, count: number, messages: Message[] | undefined, opts: WriteOptions | undefined): Promise<RemoveResult> {
    const type = messages === undefined ? 'messages.removed' : 'messages.replaced';
    const result = await this.write(key, opts, WRITE_OPTION_NAMES, type, () => {
      const n = validateCount('count', count);
      if (n < 0) invalid('count must be an integer ≥ 0');
      const messagesJson = messages === undefined ? undefined : encodeMessages(messages, this.opts.maxMessageBytes, true);
      const parts = [n, ...(messagesJson ?? [])];
      return { parts, change: messagesJson === undefined ? { type: 'rewind', count: n } : { type: 'rewind', count: n, messagesJson } };
    });
    const { removed, ...rest } = result;
    if (result.duplicate === true) return { ...rest, removed: await this.removedBy(key, result.version) };
    return { ...rest, removed: removed ?? [] };
  }

  /**
   * The messages the removal at `version` removed, read back from the log (for a duplicate).
   * Empty when GC collected that version: the retry is still reported as a duplicate.
   */
  private async removedBy(key: string, version: number): Promise<Message[]> {
    try {
      let event: SessionEvent | undefined;
      for await (const e of this.readEvents(key, { fromVersion: version, toVersion: version })) event = e;
      if (event === undefined) return [];
      const count = event.type === 'messages.removed' ? event.count : event.type === 'messages.replaced' ? event.removed : 0;
      return count === 0 ? [] : await this.getHistory(key, { atVersion: version - 1, last: count });
    } catch (error) {
      if (isTurnlogError(error, 'PRUNED')) return [];
      throw error;
    }
  }

  /**
   * Not public: the jsonl importer's fork event, written as exported (the copied view at its
   * positions, the origin as recorded); the source is not read.
   */
  restoreFork(key: string, fork: { forkedFrom: ForkOrigin; from: number; messages: Message[]; summary: string; metadata: Record<string, unknown> }, opts: WriteOptions): Promise<WriteResult> {
    return this.write(key, opts, WRITE_OPTION_NAMES, 'session.forked', () => {
      const { key: sourceKey, version: sourceVersion } = fork.forkedFrom;
      validateKey(sourceKey);
      if (validateVersionOption('forkedFrom.version', sourceVersion, true) === undefined || validateVersionOption('from', fork.from, true) === undefined) invalid('a fork needs its source version and first position');
      const messagesJson = encodeMessages(fork.messages, this.opts.maxMessageBytes, true);
      const summary = validateSummary(fork.summary, this.opts.maxMessageBytes);
      const metadataJson = encodePatch(fork.metadata, Infinity); // the whole metadata, built by patches each within the limit
      return { parts: [sourceKey, sourceVersion], change: { type: 'session.forked', sourceKey, sourceVersion, from: fork.from, messagesJson, summary, metadataJson } };
    });
  }

  /** Not public: every event id the session keeps, for `exportJsonl` (see session-reads.ts). */
  async keptEventIds(key: string): Promise<KeptEventId[]> {
    this.assertOpen();
    return this.store.keptEventIds(validateKey(key));
  }

  setSummary(key: string, summary: string, opts?: SummaryOptions): Promise<WriteResult> {
    return this.write(key, opts, SUMMARY_OPTION_NAMES, 'summary.set', () => {
      const text = validateSummary(summary, this.opts.maxMessageBytes);
      const through = validateVersionOption('through', opts?.through, true);
      return { parts: [text, through ?? null], change: through === undefined ? { type: 'summary.set', summary: text } : { type: 'summary.set', summary: text, through } };
    });
  }

  truncateHistory(key: string, keepLast: number, opts?: TruncateOptions): Promise<WriteResult> {
    return this.write(key, opts, TRUNCATE_OPTION_NAMES, 'history.truncated', () => {
      const keep = validateCount('keepLast', keepLast);
      if (opts?.safe !== undefined && typeof opts.safe !== 'boolean') invalid('safe must be a boolean');
      const safe = opts?.safe === true;
      return { parts: [keep, safe], change: { type: 'history.truncated', keepLast: keep, safe } };
    });
  }

  updateMetadata(key: string, patch: Record<string, unknown>, opts?: WriteOptions): Promise<WriteResult> {
    return this.write(key, opts, WRITE_OPTION_NAMES, 'metadata.updated', () => {
      const patchJson = encodePatch(patch, this.opts.maxMessageBytes);
      return { parts: [patchJson], change: { type: 'metadata.updated', patchJson } };
    });
  }

  /**
   * A new session `newKey` whose history, summary and metadata are those of `sourceKey` at
   * `atVersion` (default: current); its first event (`session.forked`) records the source and
   * version. The source is not touched. Costs O(the forked history), like getHistory at that
   * version. CONFLICT when `newKey` exists, NOT_FOUND for an unknown source, PRUNED when GC
   * collected that version.
   */
  forkSession(sourceKey: string, newKey: string, opts?: ForkOptions): Promise<ForkResult> {
    try {
      this.assertOpen();
      validateKey(sourceKey);
      validateKey(newKey);
      checkOptionKeys('forkSession options', opts, FORK_OPTION_NAMES);
      if (sourceKey === newKey) invalid('a session cannot be forked into itself: newKey must differ from sourceKey');
      const atVersion = validateVersionOption('atVersion', opts?.atVersion, true);
      const eventId = opts?.eventId;
      // The change as described (source and requested version) is what an eventId's fingerprint covers.
      const req = prepareWrite(newKey, eventId === undefined ? undefined : { eventId }, WRITE_OPTION_NAMES, 'session.forked', () => ({ parts: [sourceKey, atVersion ?? null], change: PENDING_FORK }), this.opts.clock);
      return this.track(forkThrough(this.store, req, sourceKey, atVersion));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async deleteSession(key: string): Promise<boolean> {
    this.assertOpen();
    validateKey(key);
    return this.track(this.store.deleteSession(key, this.closing.signal));
  }

  /** Validates and encodes before any store is touched (see prepareWrite), then hands the write down. */
  private write(key: string, opts: WriteOptions | undefined, optionNames: readonly string[], name: string, prepare: () => PreparedChange): Promise<WriteOutcome> {
    try {
      this.assertOpen();
      const req = prepareWrite(key, opts, optionNames, name, prepare, this.opts.clock);
      return this.track(this.store.write(req));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    const forget = (): void => void this.inflight.delete(p);
    p.then(forget, forget);
    return p;
  }

  // ---------------------------------------------------------------- reads

  /** With `last`, only the newest `last` messages: reads O(last) rows, whatever the history's length. */
  async getHistory(key: string, opts?: HistoryOptions): Promise<Message[]> {
    const at = this.readArgs(key, opts, HISTORY_OPTION_NAMES);
    const last = validateVersionOption('last', opts?.last, true);
    return this.track(this.store.history(key, at, last));
  }

  async getSummary(key: string, opts?: ReadOptions): Promise<string> {
    return this.track(this.store.summary(key, this.readArgs(key, opts, READ_OPTION_NAMES)));
  }

  async getSession(key: string, opts?: ReadOptions): Promise<SessionInfo | undefined> {
    return this.track(this.store.session(key, this.readArgs(key, opts, READ_OPTION_NAMES)));
  }

  /**
   * What the session occupies in the store now (bytes of its records, events kept): see
   * SessionSize. Reads only that session's records. Undefined for an unknown key.
   */
  async getSessionSize(key: string): Promise<SessionSize | undefined> {
    this.assertOpen();
    validateKey(key);
    return this.track(this.store.size(key));
  }

  async listSessions(opts?: ListOptions): Promise<SessionPage> {
    this.assertOpen();
    checkOptionKeys('listSessions options', opts, LIST_OPTION_NAMES);
    return this.track(this.store.list(checkListOptions(opts ?? {})));
  }

  /** The session's events, oldest first; the arguments are checked when iteration starts. */
  readEvents(key: string, opts?: ReadEventsOptions): AsyncIterable<SessionEvent> {
    return this.iterate(key, opts, (from, to) => this.store.events(key, from, to));
  }

  /** Each event with what it changed in the history (added, removed messages; summary). */
  replay(key: string, opts?: ReadEventsOptions): AsyncIterable<ReplayStep> {
    return this.iterate(key, opts, (from, to) => this.store.replay(key, from, to));
  }

  private iterate<T>(key: string, opts: ReadEventsOptions | undefined, open: (from: number | undefined, to: number | undefined) => AsyncIterable<T>): AsyncIterable<T> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        self.assertOpen();
        validateKey(key);
        checkOptionKeys('options', opts, READ_EVENTS_OPTION_NAMES);
        const from = validateVersionOption('fromVersion', opts?.fromVersion, true);
        const to = validateVersionOption('toVersion', opts?.toVersion, true);
        // A log closed mid-iteration stops it at the next item, on every store.
        for await (const item of open(from, to)) {
          self.assertOpen();
          yield item;
        }
      },
    };
  }

  /**
   * How the view at `toVersion` (default: current) differs from the view at `fromVersion`
   * (default: `toVersion − 1`): messages added and removed, by position; summary; metadata
   * fields. Reads the two versions as getHistory does. NOT_FOUND for an unknown key.
   */
  async diff(key: string, opts?: DiffOptions): Promise<SessionDiff> {
    this.assertOpen();
    validateKey(key);
    checkOptionKeys('diff options', opts, DIFF_OPTION_NAMES);
    const from = validateVersionOption('fromVersion', opts?.fromVersion, true);
    const to = validateVersionOption('toVersion', opts?.toVersion, true);
    return this.track(diffThrough(this.store, key, from, to));
  }

  async stats(): Promise<SessionLogStats> {
    this.assertOpen();
    return this.track(this.store.stats());
  }

  /** The checked `atVersion` of a read (undefined: current). */
  private readArgs(key: string, opts: ReadOptions | undefined, names: readonly string[]): number | undefined {
    this.assertOpen();
    validateKey(key);
    checkOptionKeys('options', opts, names);
    return validateVersionOption('atVersion', opts?.atVersion, true);
  }

  // ---------------------------------------------------------------- maintenance

  /**
   * Garbage collection with this log's ttl and replay window; see docs/operations.md. A run that
   * close() cuts short resolves with what it did so far and `stopped: true`.
   */
  gc(opts: GcOptions = {}): Promise<GcReport> {
    try {
      this.assertOpen();
      checkGcOptions(opts);
    } catch (error) {
      return Promise.reject(error);
    }
    // Tracked as a whole, waiting included, so close() waits for a run that is queued too.
    return this.track(this.gcAfterOthers(opts));
  }

  private async gcAfterOthers(opts: GcOptions): Promise<GcReport> {
    // One GC at a time per handle: a timer tick during a long manual run just waits for it.
    while (this.gcRunning !== undefined) await this.gcRunning.catch(() => undefined);
    const run = this.store.gc(gcPolicy(opts, this.opts), opts.dryRun === true, opts.onProgress, this.closing.signal);
    this.gcRunning = run;
    try {
      return await run;
    } finally {
      this.gcRunning = undefined;
    }
  }

  async backup(dest: string, opts: BackupOptions = {}): Promise<void> {
    this.assertOpen();
    checkBackupArguments(dest, opts);
    await this.track(this.store.backup(dest, opts));
  }

  /** Re-folds every session and compares; asynchronous and paged (see verify.ts). */
  async verify(opts: VerifyOptions = {}): Promise<VerifyReport> {
    this.assertOpen();
    checkVerifyOptions(opts);
    return this.track(this.store.verify(opts.onProgress, this.closing.signal));
  }

  // ---------------------------------------------------------------- lifecycle

  private assertOpen(): void {
    if (this.closed) throw new TurnlogError('CLOSED', 'the session log is closed');
  }

  /** Idempotent: every call resolves once the store is closed, which happens once. */
  close(): Promise<void> {
    this.closing.abort();
    if (this.closed && this.closedStore !== undefined) return this.closedStore;
    this.closed = true;
    if (this.gcTimer !== undefined) clearInterval(this.gcTimer);
    this.closedStore = (async () => {
      while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
      await this.store.close();
    })();
    return this.closedStore;
  }
}
