import { TurnlogError } from '../errors.js';
import type { WriteRequest } from '../core/changes.js';
import { PROJECTION_FORMAT } from '../core/projection.js';
import type { ReplayStep } from '../engine/replay.js';
import type { GcPolicy, GcReport, StopSignal } from '../engine/gc-report.js';
import { emptyReport } from '../engine/gc-report.js';
import type { SessionLogStats } from '../engine/stats.js';
import type { VerifyReport } from '../engine/verify.js';
import type { KeptEventId } from '../engine/session-reads.js';
import type { WriteOutcome } from '../engine/writer.js';
import type { ListOptions, Message, SessionEvent, SessionInfo, SessionPage, SessionSize } from '../types.js';
import type { SessionStore } from '../store/session-store.js';
import type { PgPoolLike } from './pg-pool.js';
import { PG_SCHEMA_VERSION } from './pg-schema.js';
import { int } from './pg-rows.js';
import { PgSession } from './pg-session.js';
import { pgWrite } from './pg-write.js';
import { pgEventIds, pgEvents, pgHistory, pgList, pgReplay, pgState } from './pg-reads.js';
import { pgGc, purgeQueued, purgeSession } from './pg-gc.js';
import { pgVerify } from './pg-verify.js';
import { pgSize } from './pg-size.js';
import { pgView, pgViewPair } from './pg-views.js';
import type { VersionView, ViewPair } from '../core/diff.js';

/**
 * The session store on PostgreSQL (see docs/postgres.md). Writes to one session are queued per
 * handle in call order; writes to different sessions run in parallel over the pool, and other
 * handles and hosts are ordered by the head row's lock and compare-and-set.
 */
export class PgSessionStore implements SessionStore {
  readonly kind = 'postgres';
  readonly pg: PgSession;
  /** The tail of each session's queue of writes on this handle. */
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly closing = new AbortController();
  private readonly background = new Set<Promise<unknown>>();

  constructor(
    pool: PgPoolLike,
    schema: string,
    private readonly maxMessages: number,
    private readonly ownsPool: boolean,
    prepared: boolean,
  ) {
    this.pg = new PgSession(pool, schema, prepared);
  }

  /** Runs `fn` after every earlier call on the same session (writes and deletions keep call order). */
  private inOrder<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.queues.get(key) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }

  write(req: WriteRequest): Promise<WriteOutcome> {
    return this.inOrder(req.key, async () => {
      try {
        return await pgWrite(this.pg, req, this.maxMessages);
      } catch (error) {
        // After a failure the outcome may be unknown (a lost connection at commit): forget the head.
        this.pg.heads.delete(req.key);
        throw error;
      }
    });
  }

  /** Unlinks the session in one statement, then removes its rows in batches (as LMDB does) until `stop`. */
  deleteSession(key: string, stop: StopSignal): Promise<boolean> {
    return this.inOrder(key, async () => {
      this.pg.heads.delete(key);
      const skey = this.pg.skey(key);
      const rows = await this.pg.query('delete', [skey, Date.now()]);
      const row = rows[0];
      if (row === undefined) return false;
      this.pg.remember(key, undefined);
      await purgeSession(this.pg, emptyReport(false), stop, { skey, sid: Number(row['sid']) });
      return true;
    });
  }

  /** A deletion interrupted by a crash (or a GC run cut short) finishes in the background. */
  resumePurges(): void {
    this.purgeInBackground();
  }

  /** Deleted sessions' rows go in short batches after the deletion resolved (it is already invisible). */
  private purgeInBackground(): void {
    const report = emptyReport(false);
    const run = purgeQueued(this.pg, report, this.closing.signal).catch(() => undefined);
    this.background.add(run);
    void run.then(() => this.background.delete(run));
  }

  history(key: string, atVersion: number | undefined, last: number | undefined): Promise<Message[]> {
    return pgHistory(this.pg, key, atVersion, last);
  }

  async summary(key: string, atVersion: number | undefined): Promise<string> {
    return (await pgState(this.pg, key, atVersion))?.summary ?? '';
  }

  session(key: string, atVersion: number | undefined): Promise<SessionInfo | undefined> {
    return pgState(this.pg, key, atVersion);
  }

  view(key: string, atVersion: number | undefined): Promise<VersionView | undefined> {
    return pgView(this.pg, key, atVersion);
  }

  viewPair(key: string, from: number | undefined, to: number | undefined): Promise<ViewPair | undefined> {
    return pgViewPair(this.pg, key, from, to);
  }

  size(key: string): Promise<SessionSize | undefined> {
    return pgSize(this.pg, key);
  }

  list(opts: ListOptions): Promise<SessionPage> {
    return pgList(this.pg, { ...opts, limit: opts.limit ?? 50 });
  }

  events(key: string, from: number | undefined, to: number | undefined): AsyncIterable<SessionEvent> {
    return { [Symbol.asyncIterator]: () => pgEvents(this.pg, key, from, to) };
  }

  replay(key: string, from: number | undefined, to: number | undefined): AsyncIterable<ReplayStep> {
    return { [Symbol.asyncIterator]: () => pgReplay(this.pg, key, from, to) };
  }

  keptEventIds(key: string): Promise<KeptEventId[]> {
    return pgEventIds(this.pg, key);
  }

  async stats(): Promise<SessionLogStats> {
    const s = `"${this.pg.schema}"`;
    const [row] = await this.pg.run(
      `SELECT (SELECT count(*) FROM ${s}.sessions) AS sessions, (SELECT count(*) FROM ${s}.events) AS events,
        (SELECT count(*) FROM ${s}.purges) AS purges,
        pg_total_relation_size('${s}.events') + pg_total_relation_size('${s}.messages') + pg_total_relation_size('${s}.states') AS log_bytes,
        pg_total_relation_size('${s}.sessions') + pg_total_relation_size('${s}.event_ids') + pg_total_relation_size('${s}.purges') AS index_bytes`,
      [],
      'reading statistics',
    );
    const r = row ?? {};
    const logBytes = int(r, 'log_bytes');
    return {
      sessions: int(r, 'sessions'),
      events: int(r, 'events'),
      logBytes,
      // PostgreSQL reclaims dead rows itself (VACUUM); turnlog does not track them.
      deadBytes: 0,
      liveBytes: logBytes,
      pendingPurges: int(r, 'purges'),
      format: { store: PG_SCHEMA_VERSION, projection: PROJECTION_FORMAT },
      storage: { backend: 'postgres', schema: this.pg.schema, logTableBytes: logBytes, otherTableBytes: int(r, 'index_bytes') },
    };
  }

  gc(policy: GcPolicy, dryRun: boolean, onProgress: ((r: GcReport) => void) | undefined, stop: StopSignal): Promise<GcReport> {
    return pgGc(this.pg, policy, dryRun, onProgress, stop);
  }

  verify(onProgress: ((done: number, total: number) => void) | undefined, stop: StopSignal): Promise<VerifyReport> {
    return pgVerify(this.pg, onProgress, stop);
  }

  async backup(): Promise<void> {
    throw new TurnlogError('INVALID_ARGUMENT', 'a PostgreSQL store is backed up with the database\'s own tools: pg_dump --schema=' + this.pg.schema + ' (or your provider\'s snapshots and point-in-time recovery)');
  }

  async close(): Promise<void> {
    this.closing.abort();
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    this.pg.closed = true;
    if (this.ownsPool) await this.pg.pool.end?.();
  }
}
