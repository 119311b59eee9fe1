import type { LmdbFloors } from './floors.js';
import type { ChurnResult, ExpiryResult } from './gc-churn.js';
import type { ColdStartRow } from './scenarios/cold-start.js';
import type { ListRow } from './scenarios/list.js';
import type { CommitOffLoopResult } from './commit-offloop.js';
import type { HistoryBeforeAfter } from './scenarios/history-before-after.js';
import type { MultiProcessRow, WriterScalingRow } from './scenarios/multi-process.js';
import type { ReadRow } from './scenarios/reads.js';
import type { SummariserRow } from './scenarios/summariser.js';
import type { DiskProfilesResult } from './scenarios/disk-profiles.js';
import type { DepthRow, GatewayRow, SingleAgentRow } from './scenarios/writes.js';
import type { TargetCheck } from './targets.js';

/**
 * The shape of bench/results/latest.json, read back by the report.
 * Schema 2 (absent: 1): the write scenarios run on each disk profile (`diskProfiles`), each store
 * in a child process, for a fixed time; `scenarios.gateway` and `scenarios.singleAgent` are the
 * local disk's rows of it, and the sizes of fixed-count writes are gone.
 */
export const RESULTS_SCHEMA = 2;

export interface Results {
  schemaVersion: typeof RESULTS_SCHEMA;
  date: string;
  quick: boolean;
  machine: { cpu: string; cores: number; memoryGb: number; os: string; filesystem: string };
  versions: Record<string, string>;
  /** The PostgreSQL server of the `turnlog postgres` rows, or why they were skipped. */
  postgres?: { version: string; synchronousCommit: string } | { skipped: string };
  /** Median of one 4 KiB write + fdatasync, µs, measured in this run. */
  fdatasyncUs: number;
  /** One small LMDB commit in the binding, µs (median), sync and async transactions. */
  lmdbFloors: LmdbFloors;
  durationSec: number;
  /** Scenario → seconds it took in this run (absent in older results). */
  stepSec?: Record<string, number>;
  sizes: {
    gatewaySessions: number;
    read: number[];
    readMid: number;
    depthShallow: number;
    depthDeep: number;
    list: number[];
    listLargest: number;
    coldStartSessions: number;
    coldStartEventsPerSession: number;
    summariserTurns: number;
    writers: number;
    /** Writer processes of each run of scenario 10, its concurrent sessions per process and appends per session. */
    scalingWriters: number[];
    scalingSessions: number;
    scalingAppendsPerSession: number;
  };
  /** The write scenarios on every disk profile, with the event-loop delay of each. */
  diskProfiles: DiskProfilesResult;
  scenarios: {
    /** The saturated gateway and the single agent on the local disk (from `diskProfiles`). */
    gateway: GatewayRow[];
    singleAgent: SingleAgentRow[];
    read: ReadRow[];
    depth: DepthRow[];
    list: ListRow[];
    coldStart: { events: number; rows: ColdStartRow[] };
    summariser: SummariserRow[];
    gc: { expiry: ExpiryResult; churn: ChurnResult };
    multiProcess: MultiProcessRow[];
    writerScaling: WriterScalingRow[];
    /** Scenario 11; absent in --quick runs. */
    historyBeforeAfter?: HistoryBeforeAfter;
    /** Scenario 12: commits off the event loop, before and after; absent in --quick runs. */
    commitOffLoop?: CommitOffLoopResult;
  };
  targets: TargetCheck[];
}

/**
 * Stores the benchmark no longer runs: 'turnlog committed' went with the durability it measured
 * (a commit was reported only after its sync, so it never differed from 'flushed'). Results
 * written before still hold its rows; the report leaves them out rather than showing a store
 * that no longer exists.
 */
export const REMOVED_PEERS: readonly string[] = ['turnlog committed'];

/** `r` without the rows of removed stores (anywhere in it) and without the targets that name one. */
export function withoutRemovedPeers(r: Results): Results {
  const removed = (x: unknown): boolean => typeof x === 'object' && x !== null && REMOVED_PEERS.includes((x as { peer?: unknown }).peer as string);
  const strip = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.filter((e) => !removed(e)).map(strip);
    if (typeof x !== 'object' || x === null) return x;
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, strip(v)]));
  };
  const out = strip(r) as Results;
  return { ...out, targets: out.targets.filter((t) => !REMOVED_PEERS.some((p) => t.name.includes(p))) };
}
