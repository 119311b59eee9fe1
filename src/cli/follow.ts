import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import type { SessionLog } from '../engine/session-log.js';
import type { SessionEvent } from '../types.js';
import { TurnlogError } from '../errors.js';
import { DeletedWhileReading, gapNote, keptEvents } from './kept-events.js';

/**
 * How often --follow looks for new events, in ms: on LMDB when the file watcher stays quiet, on
 * PostgreSQL always (writers never NOTIFY: each look is one indexed read of the session's head).
 */
const POLL_MS = 250;

/** What a follower reads: the two calls of the library it needs. */
export type FollowedLog = Pick<SessionLog, 'getSession' | 'readEvents'>;

/**
 * Follows one session: each `check()` prints the events written since the last one. It says
 * what happened instead of skipping anything: events GC collected before they were shown (and
 * the version it resumes at), a session deleted, or deleted and created again.
 */
export class Follower {
  /** The version of the newest event printed (or collected). */
  private last: number;
  /** createdAt of the session followed: a new session under the same key has another one. */
  private createdAt: number | undefined;
  /**
   * The event at `last` as JSON, when known. A session deleted and created again with the same
   * createdAt (a re-import keeps source times) is recognised by its event at `last` differing.
   */
  private lastEvent: string | undefined;
  private missing = false;
  /** The read of the event at the version the follower starts after; the first check waits for it. */
  private starting: Promise<void> | undefined;

  constructor(
    private readonly log: FollowedLog,
    private readonly key: string,
    seen: { version: number; createdAt?: number | undefined },
    private readonly print: (e: SessionEvent) => void,
    private readonly note: (text: string) => void,
  ) {
    this.last = seen.version;
    this.createdAt = seen.createdAt;
    // Started here, not at the first check, so a session deleted and created again in between
    // is still recognised; a failure is reported by the first check.
    const starting = this.eventAt(seen.version).then((e) => void (this.lastEvent = e));
    starting.catch(() => undefined);
    this.starting = starting;
  }

  /** Prints what is new since the last check. Checks must not overlap (see followUntilStopped). */
  async check(): Promise<void> {
    if (this.starting !== undefined) {
      const starting = this.starting;
      this.starting = undefined;
      await starting;
    }
    const info = await this.log.getSession(this.key);
    if (info === undefined) {
      if (!this.missing) this.note(`${JSON.stringify(this.key)} ${this.createdAt === undefined ? 'does not exist yet' : 'was deleted or expired'}; waiting for it`);
      this.missing = true;
      this.restart(undefined);
      return;
    }
    this.missing = false;
    if (this.createdAt !== undefined && (info.createdAt !== this.createdAt || info.version < this.last)) {
      this.note(`${JSON.stringify(this.key)} was deleted and created again; following the new session from v1`);
      this.restart(info.createdAt);
    }
    this.createdAt = info.createdAt;
    if (info.version <= this.last) return;
    if (this.lastEvent !== undefined) {
      const now = await this.eventAt(this.last);
      if (now !== undefined && now !== this.lastEvent) {
        this.note(`${JSON.stringify(this.key)} was deleted and created again; following the new session from v1`);
        this.restart(info.createdAt);
      }
    }
    const gaps = (gap: { from: number; to: number; resume: number }): void => {
      this.note(gapNote(this.key, gap));
      this.last = gap.to;
      this.lastEvent = undefined;
    };
    try {
      for await (const e of keptEvents((r) => this.log.readEvents(this.key, r), (x) => x.version, { from: this.last + 1 }, gaps)) {
        this.print(e);
        this.last = e.version;
        this.lastEvent = JSON.stringify(e);
      }
    } catch (error) {
      if (!(error instanceof DeletedWhileReading)) throw error;
      // the next check tells whether it is gone or was created again
    }
  }

  private restart(createdAt: number | undefined): void {
    this.last = 0;
    this.createdAt = createdAt;
    this.lastEvent = undefined;
  }

  /** The event at `version` as JSON; undefined when there is none to read (collected, deleted, v0). */
  private async eventAt(version: number): Promise<string | undefined> {
    if (version < 1) return undefined;
    try {
      for await (const e of this.log.readEvents(this.key, { fromVersion: version, toVersion: version })) if (e.version === version) return JSON.stringify(e);
    } catch (error) {
      if (!(error instanceof TurnlogError && (error.code === 'PRUNED' || error.code === 'NOT_FOUND'))) throw error;
    }
    return undefined;
  }
}

/**
 * Runs `check` on every change of the store directory (an LMDB store's; `undefined` for a store
 * with no directory, PostgreSQL's, which is polled only), and every POLL_MS, until `signal` or
 * SIGINT/SIGTERM. One check at a time: changes seen during a check run one more check after it,
 * and stopping waits for the check under way, so nothing reads the store once this resolves.
 */
export function followUntilStopped(dir: string | undefined, check: () => Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let stopped = false;
    let running: Promise<void> | undefined;
    let again = false;
    const stop = (error?: unknown): void => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      watcher?.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      signal.removeEventListener('abort', onSignal);
      const settle = (): void => (error === undefined ? resolve() : reject(error instanceof Error ? error : new Error(String(error))));
      if (running === undefined) settle();
      else void running.then(settle);
    };
    const onSignal = (): void => stop();
    const run = async (): Promise<void> => {
      try {
        do {
          again = false;
          await check();
        } while (again && !stopped);
      } catch (error) {
        stop(error);
      } finally {
        running = undefined;
      }
    };
    const tick = (): void => {
      if (stopped) return;
      if (running !== undefined) again = true;
      else running = run();
    };
    const timer = setInterval(tick, POLL_MS);
    if (dir !== undefined) {
      try {
        watcher = watch(dir, tick);
        watcher.on('error', () => watcher?.close()); // polling goes on
      } catch {
        watcher = undefined; // polling alone still works
      }
    }
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    signal.addEventListener('abort', onSignal);
    if (signal.aborted) stop();
  });
}
