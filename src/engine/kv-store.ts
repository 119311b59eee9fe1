import { TurnlogError, invalid } from '../errors.js';
import type { WriteRequest } from '../core/changes.js';
import type { HeadRecord } from '../core/codec.js';
import type { ListOptions, Message, SessionEvent, SessionInfo, SessionPage, SessionSize } from '../types.js';
import type { Backend, ReadTxn } from '../storage/backend.js';
import type { SessionStore } from '../store/session-store.js';
import { CHUNK_BYTES } from './options.js';
import { hasPendingPurges, purgeAll, unlinkSession } from './purge.js';
import { runGc } from './gc.js';
import type { GcPolicy, GcReport, StopSignal } from './gc-report.js';
import { collectStats } from './stats.js';
import type { SessionLogStats } from './stats.js';
import { verifyStore } from './verify.js';
import type { VerifyReport } from './verify.js';
import { findHead, messagesOf, readState, snapshotAt } from './reader.js';
import { eventPages, keptEventIds, newestMessages, sessionInfo, sessionInfoAt, versionRange } from './session-reads.js';
import type { HistoryCaches } from './session-reads.js';
import type { KeptEventId } from './session-reads.js';
import { replaySteps } from './replay.js';
import type { ReplayStep } from './replay.js';
import { batchTransaction } from './write-batch.js';
import type { BatchContext } from './write-batch.js';
import { decideWrite } from './writer.js';
import type { WriteOutcome, WriterConfig } from './writer.js';
import { GroupCommit } from './group-commit.js';
import { ChunkCache } from './chunk-cache.js';
import { InfoCache, noteWrite } from './info-cache.js';
import { EventCache } from './event-cache.js';
import { HistoryCache } from './history-cache.js';
import { listPage } from './listing.js';
import { sessionSize } from './session-size.js';
import { viewAt, viewPair } from './views.js';
import type { VersionView, ViewPair } from '../core/diff.js';
import type { BackupOptions } from './maintenance-options.js';

/** Session states and tail events each get this fraction of `readCacheBytes` (chunks are what most reads need). */
const INFO_CACHE_SHARE = 8;
const EVENT_CACHE_SHARE = 8;
/** Newest histories: mostly the chunk and event caches' own messages, held again only when those let them go. */
const HISTORY_CACHE_SHARE = 4;

/** What the key-value store needs of the log's options. */
export interface KvStoreConfig {
  checkpointEvery: number;
  maxMessages: number;
  /** Bytes of decoded chunks kept for reads; 0 = no cache. */
  readCacheBytes: number;
}

/**
 * The session store over an ordered key-value backend (LMDB, or the in-memory reference): the
 * layout of core/layout.ts, checkpoints and sealed chunks, group commit of concurrent writes.
 */
export class KvSessionStore implements SessionStore {
  readonly kind: string;
  /** Concurrent writes share one transaction and one commit (see GroupCommit). */
  private readonly writes: GroupCommit<BatchContext>;
  private readonly writerConfig: WriterConfig;
  private readonly chunks: ChunkCache | undefined;
  private readonly infos: InfoCache | undefined;
  private readonly tailEvents: EventCache | undefined;
  private readonly histories: HistoryCaches | undefined;
  /** Aborted by close(): background purges stop at their next transaction. */
  private readonly closing = new AbortController();
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    private readonly backend: Backend,
    config: KvStoreConfig,
  ) {
    this.kind = backend.kind;
    this.writerConfig = { checkpointEvery: config.checkpointEvery, chunkBytes: CHUNK_BYTES, maxMessages: config.maxMessages };
    this.chunks = config.readCacheBytes > 0 ? new ChunkCache(config.readCacheBytes) : undefined;
    this.infos = config.readCacheBytes > 0 ? new InfoCache(Math.ceil(config.readCacheBytes / INFO_CACHE_SHARE)) : undefined;
    this.tailEvents = config.readCacheBytes > 0 ? new EventCache(Math.ceil(config.readCacheBytes / EVENT_CACHE_SHARE)) : undefined;
    if (this.chunks !== undefined && this.tailEvents !== undefined) {
      const histories = new HistoryCache(Math.ceil(config.readCacheBytes / HISTORY_CACHE_SHARE));
      this.histories = { chunks: this.chunks, events: this.tailEvents, histories, followAtMost: config.checkpointEvery };
    }
    this.writes = new GroupCommit(batchTransaction(backend));
    // A deletion interrupted by a crash finishes in the background.
    if (hasPendingPurges(backend)) this.purgeInBackground();
  }

  async write(req: WriteRequest): Promise<WriteOutcome> {
    const { written, ...outcome } = await this.writes.submit((ctx) => decideWrite(ctx, req, this.writerConfig));
    // Committed: the state this write left is this process's to list without reading it back.
    if (written !== undefined && this.infos !== undefined) noteWrite(this.infos, written.sid, written.before, written, written.info, written.infoBytes);
    // The next read of this history needs these events: kept as stored, decoded when first read.
    written?.events.forEach((bytes, i) => this.tailEvents?.storeWritten(written.sid, written.before + 1 + i, bytes));
    return outcome;
  }

  async deleteSession(key: string, stop: StopSignal): Promise<boolean> {
    // Queued with the writes, so it applies in call order: after writes called before it,
    // before writes called after it.
    const existed = await this.writes.submit(({ tx, counts }) => {
      const head = findHead(tx, key);
      return { value: head !== undefined, apply: () => head !== undefined && unlinkSession(tx, head, counts) };
    });
    if (existed) await purgeAll(this.backend, stop);
    return existed;
  }

  private purgeInBackground(): void {
    const run = purgeAll(this.backend, this.closing.signal).catch(() => undefined);
    this.background.add(run);
    void run.then(() => this.background.delete(run));
  }

  /** With `last`, only the newest `last` messages: reads O(last) rows, whatever the history's length. */
  async history(key: string, atVersion: number | undefined, last: number | undefined): Promise<Message[]> {
    return this.at(key, atVersion, (tx, head, version) => {
      if (head === undefined || version === 0 || last === 0) return [];
      const newest = version === head.version && this.histories !== undefined ? newestMessages(tx, head, this.histories, last) : undefined;
      if (newest !== undefined) return newest;
      const snap = snapshotAt(tx, head, version, this.tailEvents);
      return messagesOf(tx, head.sid, snap, this.chunks, last === undefined ? undefined : snap.projection.next - last, this.tailEvents);
    });
  }

  async summary(key: string, atVersion: number | undefined): Promise<string> {
    return this.at(key, atVersion, (tx, head, version) => {
      if (head === undefined || version === 0) return '';
      if (version === head.version) return readState(tx, head.sid).summary;
      return snapshotAt(tx, head, version).projection.summary;
    });
  }

  async session(key: string, atVersion: number | undefined): Promise<SessionInfo | undefined> {
    return this.at(key, atVersion, (tx, head, version) => {
      if (head === undefined || version === 0) return undefined;
      if (version === head.version) return sessionInfo(tx, head, this.infos);
      // An older version (exports need the whole state at a GC base, metadata included).
      return sessionInfoAt(tx, key, head, version);
    });
  }

  async view(key: string, atVersion: number | undefined): Promise<VersionView | undefined> {
    return this.at(key, atVersion, (tx, head, version) => (head === undefined ? undefined : viewAt(tx, head, version, this.chunks)));
  }

  async viewPair(key: string, from: number | undefined, to: number | undefined): Promise<ViewPair | undefined> {
    // Defaults resolved in the read transaction (the head it reads is the version it views).
    return this.at(key, to === undefined ? undefined : Math.max(from ?? to - 1, to), (tx, head, newest) => {
      if (head === undefined) return undefined;
      const target = to ?? newest;
      if (from !== undefined && from > head.version) invalid(`${JSON.stringify(key)} has no version ${from} (it is at ${head.version})`);
      return viewPair(tx, head, from ?? Math.max(0, target - 1), target, this.chunks);
    });
  }

  async size(key: string): Promise<SessionSize | undefined> {
    return this.backend.read((tx) => sessionSize(tx, key));
  }

  async list(opts: ListOptions): Promise<SessionPage> {
    const infos = this.infos;
    return listPage(this.backend, opts, (tx, head) => sessionInfo(tx, head, infos), (sid, version) => infos?.lookup(sid, version));
  }

  events(key: string, from: number | undefined, to: number | undefined): AsyncIterable<SessionEvent> {
    return lazily(() => {
      const range = versionRange(this.backend, key, from, to);
      return range === undefined ? [] : eventPages(this.backend, range);
    });
  }

  replay(key: string, from: number | undefined, to: number | undefined): AsyncIterable<ReplayStep> {
    return lazily(() => {
      const range = versionRange(this.backend, key, from, to);
      return range === undefined ? [] : replaySteps(this.backend, range.head, range.from, range.to);
    });
  }

  async keptEventIds(key: string): Promise<KeptEventId[]> {
    return keptEventIds(this.backend, key);
  }

  async stats(): Promise<SessionLogStats> {
    return collectStats(this.backend);
  }

  gc(policy: GcPolicy, dryRun: boolean, onProgress: ((r: GcReport) => void) | undefined, stop: StopSignal): Promise<GcReport> {
    return runGc(this.backend, policy, dryRun, onProgress, stop);
  }

  verify(onProgress: ((done: number, total: number) => void) | undefined, stop: StopSignal): Promise<VerifyReport> {
    return verifyStore(this.backend, onProgress, stop);
  }

  async backup(dest: string, opts: BackupOptions): Promise<void> {
    if (!this.backend.backup) throw new TurnlogError('INVALID_ARGUMENT', `the ${this.backend.kind} backend cannot make backups`);
    await this.backend.backup(dest, opts.compact === true);
  }

  async close(): Promise<void> {
    this.closing.abort();
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    await this.backend.close();
  }

  /** Runs `fn` in one read transaction on the session at `atVersion` (default: its newest). */
  private at<T>(key: string, atVersion: number | undefined, fn: (tx: ReadTxn, head: HeadRecord | undefined, version: number) => T): T {
    return this.backend.read((tx) => {
      const head = findHead(tx, key);
      const version = atVersion ?? head?.version ?? 0;
      if (head !== undefined && version > head.version) invalid(`${JSON.stringify(key)} has no version ${version} (it is at ${head.version})`);
      return fn(tx, head, version);
    });
  }
}

/** An async iterable over pages read one transaction at a time; `start` runs when iteration starts. */
function lazily<T>(start: () => Iterable<T>): AsyncIterable<T> {
  return {
    async *[Symbol.asyncIterator]() {
      yield* start();
    },
  };
}
