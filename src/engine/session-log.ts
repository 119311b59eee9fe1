import { replaySteps } from './replay.js';
import type { ReplayStep } from './replay.js';
import { encodeMessage, encodeMessages, encodePatch, checkOptionKeys, validateCount, validateKey, validateSummary, validateVersionOption } from '../core/validate.js';
import { TurnlogError, invalid, isTurnlogError } from '../errors.js';
import type { HistoryOptions, ListOptions, Message, ReadEventsOptions, ReadOptions, RemoveResult, SessionEvent, SessionInfo, SessionPage, SummaryOptions, TruncateOptions, WriteOptions, WriteResult } from '../types.js';
import { rewindBuilder } from './rewind.js';
import { summaryBuilder, truncateBuilder } from './cut-builders.js';
import type { Backend, ReadTxn } from '../storage/backend.js';
import type { ResolvedOptions } from './options.js';
import { CHUNK_BYTES } from './options.js';
import { hasPendingPurges, purgeAll, unlinkSession } from './purge.js';
import { runGc } from './gc.js';
import type { GcOptions, GcReport } from './gc.js';
import { collectStats } from './stats.js';
import type { SessionLogStats } from './stats.js';
import { verifyStore } from './verify.js';
import type { VerifyReport } from './verify.js';
import { findHead, messagesOf, readState, snapshotAt } from './reader.js';
import { eventPages, keptEventIds, readAt, sessionInfo, sessionInfoAt, versionRange } from './session-reads.js';
import type { KeptEventId } from './session-reads.js';
import { prepareWrite } from './write-request.js';
import type { PreparedChange } from './write-request.js';
import type { HeadRecord } from '../core/codec.js';
import { checkGcOptions, checkVerifyOptions, gcPolicy, startBackup } from './maintenance-calls.js';
import { batchTransaction } from './write-batch.js';
import type { BatchContext } from './write-batch.js';
import { decideWrite } from './writer.js';
import type { WriterConfig } from './writer.js';
import { GroupCommit } from './group-commit.js';
import { ChunkCache } from './chunk-cache.js';
import { listPage } from './listing.js';
import { HISTORY_OPTION_NAMES, LIST_OPTION_NAMES, READ_OPTION_NAMES, SUMMARY_OPTION_NAMES, TRUNCATE_OPTION_NAMES, WRITE_OPTION_NAMES } from './method-options.js';
import type { BackupOptions, VerifyOptions } from './maintenance-options.js';

/** The public surface of a session log; see docs/api.md. */
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
  deleteSession(key: string): Promise<boolean>;
  getHistory(key: string, opts?: HistoryOptions): Promise<Message[]>;
  getSummary(key: string, opts?: ReadOptions): Promise<string>;
  getSession(key: string, opts?: ReadOptions): Promise<SessionInfo | undefined>;
  listSessions(opts?: ListOptions): Promise<SessionPage>;
  readEvents(key: string, opts?: ReadEventsOptions): AsyncIterable<SessionEvent>;
  replay(key: string, opts?: ReadEventsOptions): AsyncIterable<ReplayStep>;
  stats(): Promise<SessionLogStats>;
  gc(opts?: GcOptions): Promise<GcReport>;
  backup(dest: string, opts?: BackupOptions): Promise<void>;
  verify(opts?: VerifyOptions): Promise<VerifyReport>;
  close(): Promise<void>;
}

export class SessionLogEngine implements SessionLog {
  private closed = false;
  /** Aborted when close() starts: GC, purges and verify stop at their next transaction or page. */
  private readonly closing = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();
  private gcTimer: NodeJS.Timeout | undefined;
  private gcRunning: Promise<GcReport> | undefined;
  /** Concurrent writes share one transaction and one commit (see GroupCommit). */
  private readonly writes: GroupCommit<BatchContext>;
  private readonly writerConfig: WriterConfig;
  private readonly chunks: ChunkCache | undefined;

  constructor(
    private readonly backend: Backend,
    private readonly opts: ResolvedOptions,
  ) {
    this.writerConfig = { checkpointEvery: opts.checkpointEvery, chunkBytes: CHUNK_BYTES, maxMessages: opts.maxMessages };
    this.chunks = opts.readCacheBytes > 0 ? new ChunkCache(opts.readCacheBytes) : undefined;
    this.writes = new GroupCommit(batchTransaction(backend));
    // A deletion interrupted by a crash finishes in the background.
    if (hasPendingPurges(backend)) this.track(purgeAll(backend, this.closing.signal)).catch(() => undefined);
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
      return { parts: messagesJson, build: () => ({ type: 'messages.added', messagesJson }) };
    });
  }

  /** An empty list is recorded (as an event) only with an eventId; without one it writes nothing. */
  addMessages(key: string, messages: Message[], opts?: WriteOptions): Promise<WriteResult> {
    return this.write(key, opts, WRITE_OPTION_NAMES, 'messages.added', () => {
      const messagesJson = encodeMessages(messages, this.opts.maxMessageBytes, true);
      return { parts: messagesJson, build: () => ({ type: 'messages.added', messagesJson }) };
    });
  }

  setHistory(key: string, messages: Message[], opts?: WriteOptions): Promise<WriteResult> {
    return this.write(key, opts, WRITE_OPTION_NAMES, 'history.replaced', () => {
      const messagesJson = encodeMessages(messages, this.opts.maxMessageBytes, true);
      return { parts: messagesJson, build: () => ({ type: 'history.replaced', messagesJson }) };
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
    let removed: Message[] = [];
    const type = messages === undefined ? 'messages.removed' : 'messages.replaced';
    const result = await this.write(key, opts, WRITE_OPTION_NAMES, type, () => {
      const n = validateCount('count', count);
      if (n < 0) invalid('count must be an integer ≥ 0');
      const messagesJson = messages === undefined ? undefined : encodeMessages(messages, this.opts.maxMessageBytes, true);
      const parts = [n, ...(messagesJson ?? [])];
      return { parts, build: rewindBuilder(n, messagesJson, (m) => (removed = m)) };
    });
    if (result.duplicate === true) removed = await this.removedBy(key, result.version);
    return { ...result, removed };
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

  /** Not public: every event id the session keeps, for `exportJsonl` (see session-reads.ts). */
  async keptEventIds(key: string): Promise<KeptEventId[]> {
    this.assertOpen();
    return keptEventIds(this.backend, key);
  }

  setSummary(key: string, summary: string, opts?: SummaryOptions): Promise<WriteResult> {
    return this.write(key, opts, SUMMARY_OPTION_NAMES, 'summary.set', () => {
      const text = validateSummary(summary, this.opts.maxMessageBytes);
      const through = validateVersionOption('through', opts?.through, true);
      return { parts: [text, through ?? null], build: summaryBuilder(text, through) };
    });
  }

  truncateHistory(key: string, keepLast: number, opts?: TruncateOptions): Promise<WriteResult> {
    return this.write(key, opts, TRUNCATE_OPTION_NAMES, 'history.truncated', () => {
      const keep = validateCount('keepLast', keepLast);
      if (opts?.safe !== undefined && typeof opts.safe !== 'boolean') invalid('safe must be a boolean');
      const safe = opts?.safe === true;
      return { parts: [keep, safe], build: truncateBuilder(keep, safe) };
    });
  }

  updateMetadata(key: string, patch: Record<string, unknown>, opts?: WriteOptions): Promise<WriteResult> {
    return this.write(key, opts, WRITE_OPTION_NAMES, 'metadata.updated', () => {
      const patchJson = encodePatch(patch, this.opts.maxMessageBytes);
      return { parts: [patchJson], build: () => ({ type: 'metadata.updated', patchJson }) };
    });
  }

  async deleteSession(key: string): Promise<boolean> {
    this.assertOpen();
    validateKey(key);
    // Queued with the writes, so it applies in call order: after writes called before it,
    // before writes called after it.
    const existed = await this.track(
      this.writes.submit(({ tx, counts }) => {
        const head = findHead(tx, key);
        return { value: head !== undefined, apply: () => head !== undefined && unlinkSession(tx, head, counts) };
      }),
    );
    if (existed) await this.track(purgeAll(this.backend, this.closing.signal));
    return existed;
  }

  /** Validates and encodes before the transaction (see prepareWrite), then queues the write. */
  private write(key: string, opts: WriteOptions | undefined, optionNames: readonly string[], change: string, prepare: () => PreparedChange): Promise<WriteResult> {
    try {
      this.assertOpen();
      const req = prepareWrite(key, opts, optionNames, change, prepare, this.opts.clock);
      return this.track(this.writes.submit((ctx) => decideWrite(ctx, req, this.writerConfig)));
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
    const last = validateVersionOption('last', opts?.last, true);
    return this.read(key, opts, (tx, head, version) => {
      if (head === undefined || version === 0 || last === 0) return [];
      const snap = snapshotAt(tx, head, version);
      return messagesOf(tx, head.sid, snap, this.chunks, last === undefined ? undefined : snap.projection.next - last);
    }, HISTORY_OPTION_NAMES);
  }

  async getSummary(key: string, opts?: ReadOptions): Promise<string> {
    return this.read(key, opts, (tx, head, version) => {
      if (head === undefined || version === 0) return '';
      if (version === head.version) return readState(tx, head.sid).summary;
      return snapshotAt(tx, head, version).projection.summary;
    });
  }

  async getSession(key: string, opts?: ReadOptions): Promise<SessionInfo | undefined> {
    return this.read(key, opts, (tx, head, version) => {
      if (head === undefined || version === 0) return undefined;
      if (version === head.version) return sessionInfo(tx, head);
      // An older version (exports need the whole state at a GC base, metadata included).
      return sessionInfoAt(tx, key, head, version);
    });
  }

  async listSessions(opts?: ListOptions): Promise<SessionPage> {
    this.assertOpen();
    checkOptionKeys('listSessions options', opts, LIST_OPTION_NAMES);
    return listPage(this.backend, opts ?? {}, sessionInfo);
  }

  readEvents(key: string, opts?: ReadEventsOptions): AsyncIterable<SessionEvent> {
    return this.paged(() => {
      const range = versionRange(this.backend, key, opts);
      return range === undefined ? [] : eventPages(this.backend, range);
    });
  }

  /** Each event with what it changed in the history (added, removed messages; summary). */
  replay(key: string, opts?: ReadEventsOptions): AsyncIterable<ReplayStep> {
    return this.paged(() => {
      const range = versionRange(this.backend, key, opts);
      return range === undefined ? [] : replaySteps(this.backend, range.head, range.from, range.to);
    });
  }

  /**
   * An async iterable over pages read one transaction at a time (see session-reads.ts); the
   * arguments are checked when iteration starts.
   */
  private paged<T>(start: () => Iterable<T>): AsyncIterable<T> {
    return {
      [Symbol.asyncIterator]: async function* (this: SessionLogEngine) {
        this.assertOpen();
        yield* start();
      }.bind(this),
    };
  }

  async stats(): Promise<SessionLogStats> {
    this.assertOpen();
    return collectStats(this.backend);
  }

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
    const run = runGc(this.backend, gcPolicy(opts, this.opts), opts.dryRun === true, opts.onProgress, this.closing.signal);
    this.gcRunning = run;
    try {
      return await run;
    } finally {
      this.gcRunning = undefined;
    }
  }

  async backup(dest: string, opts: BackupOptions = {}): Promise<void> {
    this.assertOpen();
    await this.track(startBackup(this.backend, dest, opts));
  }

  /** Re-folds every session and compares; asynchronous and paged (see verify.ts). */
  async verify(opts: VerifyOptions = {}): Promise<VerifyReport> {
    this.assertOpen();
    checkVerifyOptions(opts);
    return this.track(verifyStore(this.backend, opts.onProgress, this.closing.signal));
  }

  private read<T>(key: string, opts: ReadOptions | undefined, fn: (tx: ReadTxn, head: HeadRecord | undefined, version: number) => T, names: readonly string[] = READ_OPTION_NAMES): T {
    this.assertOpen();
    return readAt(this.backend, key, opts, fn, names);
  }

  // ---------------------------------------------------------------- lifecycle

  private assertOpen(): void {
    if (this.closed) throw new TurnlogError('CLOSED', 'the session log is closed');
  }

  async close(): Promise<void> {
    if (!this.closed) this.closed = true;
    this.closing.abort();
    if (this.gcTimer !== undefined) clearInterval(this.gcTimer);
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.backend.close();
  }
}
