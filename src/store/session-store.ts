import type { WriteRequest } from '../core/changes.js';
import type { ReplayStep } from '../engine/replay.js';
import type { GcPolicy, GcReport, StopSignal } from '../engine/gc-report.js';
import type { SessionLogStats } from '../engine/stats.js';
import type { VerifyReport } from '../engine/verify.js';
import type { KeptEventId } from '../engine/session-reads.js';
import type { WriteOutcome } from '../engine/writer.js';
import type { BackupOptions } from '../engine/maintenance-options.js';
import type { ListOptions, Message, SessionEvent, SessionInfo, SessionPage, SessionSize } from '../types.js';
import type { VersionView, ViewPair } from '../core/diff.js';

/**
 * The seam below the public `SessionLog`: a store of sessions, not of keys and values. The
 * public layer (engine/session-log.ts) validates and encodes every argument, takes the clock,
 * tracks calls for `close()` and runs background GC; a store receives only checked requests and
 * answers them with the pure rules of `core` (the fold, history rules, write decisions, GC
 * planning), so every store gives the same results. Implementations: the key-value engine over
 * LMDB or memory (engine/kv-store.ts) and PostgreSQL (postgres/). A new store proves itself
 * with the conformance suite exported as `turnlog/testing`.
 *
 * Contract, for every method: a session is identified by its key; errors are TurnlogErrors with
 * the codes docs/api.md lists (NOT_FOUND, PRUNED, CONFLICT, INVALID_ARGUMENT, CORRUPT, IO_ERROR…).
 */
export interface SessionStore {
  /** `'lmdb'`, `'memory'`, `'postgres'`…: for messages and `stats()`. */
  readonly kind: string;
  /**
   * Applies one validated write, or decides it is a duplicate or a CONFLICT, atomically. Writes
   * to one session apply in the order they were called on this store; a resolved write is as
   * durable as the store documents.
   */
  write(req: WriteRequest): Promise<WriteOutcome>;
  /**
   * Removes the session (its rows may be purged later); false when there was none. In call order
   * with writes. Work after the removal itself (purging rows) stops once `stop` is aborted.
   */
  deleteSession(key: string, stop: StopSignal): Promise<boolean>;
  /**
   * The visible messages at `atVersion` (default current), only the newest `last` when given.
   * A version past the newest is INVALID_ARGUMENT; one GC collected is PRUNED. Unknown key: [].
   */
  history(key: string, atVersion: number | undefined, last: number | undefined): Promise<Message[]>;
  /** The summary at `atVersion` (default current); '' for an unknown key. Same version rules. */
  summary(key: string, atVersion: number | undefined): Promise<string>;
  /** The session's state at `atVersion` (default current); undefined for an unknown key or version 0. */
  session(key: string, atVersion: number | undefined): Promise<SessionInfo | undefined>;
  /**
   * The view at `atVersion` (default current) with the position of its first message, read
   * consistently (one snapshot): what `forkSession` copies. Undefined for an unknown key;
   * version 0 is empty. Same version rules as `history`. Costs what `history` costs.
   */
  view(key: string, atVersion: number | undefined): Promise<VersionView | undefined>;
  /**
   * The views at `from` and `to` (either order; both checked against the session as `history`
   * checks a version) and the lowest position a removal of the newest messages gave away
   * between them (see ViewPair), read consistently: what `diff` compares. Undefined for an
   * unknown key. Reads the events between the versions only when a removal happened after the
   * older one. `to` left out is the current version and `from` left out `to − 1`, resolved in the
   * same consistent read: a write and GC between resolving and reading never make it PRUNED.
   */
  viewPair(key: string, from: number | undefined, to: number | undefined): Promise<ViewPair | undefined>;
  /**
   * What the session's records occupy (see SessionSize for what each store counts), read
   * consistently; undefined for an unknown key. Costs the session's own rows, never the store's.
   */
  size(key: string): Promise<SessionSize | undefined>;
  /** One page of sessions, newest activity first (options already checked). */
  list(opts: ListOptions): Promise<SessionPage>;
  /** Events `from`..`to` (inclusive, checked, either may be undefined); paged, never one long read. */
  events(key: string, from: number | undefined, to: number | undefined): AsyncIterable<SessionEvent>;
  /** What each event in `from`..`to` changed (see ReplayStep). */
  replay(key: string, from: number | undefined, to: number | undefined): AsyncIterable<ReplayStep>;
  /** Every event id the session keeps, for exports. */
  keptEventIds(key: string): Promise<KeptEventId[]>;
  stats(): Promise<SessionLogStats>;
  /** One GC run (bounded transactions; stops at the next boundary once `stop` is aborted). */
  gc(policy: GcPolicy, dryRun: boolean, onProgress: ((r: GcReport) => void) | undefined, stop: StopSignal): Promise<GcReport>;
  verify(onProgress: ((done: number, total: number) => void) | undefined, stop: StopSignal): Promise<VerifyReport>;
  /** A consistent copy at `dest`; a store that cannot make one rejects with INVALID_ARGUMENT saying what to use. */
  backup(dest: string, opts: BackupOptions): Promise<void>;
  /** Called once, after every call the public layer tracked has settled. */
  close(): Promise<void>;
}
