import type { ServerResponse } from 'node:http';
import type { SessionLog } from '../engine/session-log.js';
import { sessionRow } from './api.js';
import type { LiveMessage } from './protocol.js';
import { safeJson } from './security.js';

/** One page of the live stream: a listener, and the session it watches (if any). */
interface Listener {
  res: ServerResponse;
  key: string | undefined;
  /** The version of `key` the page shows (-1: deleted): it is told whenever the store's differs. */
  version: number;
}

/** Newest sessions compared per poll: any write moves its session to the head of this listing. */
const WATCH_NEWEST = 50;

/**
 * Live updates for every open page, from one poller. Writers in other processes or on other
 * hosts (PostgreSQL) tell nobody, so the store is polled: one listSessions page of the newest
 * sessions and one getSession per watched session, every `pollMs`, however many pages listen —
 * and nothing at all while none does.
 */
export class LiveHub {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private polling = false;
  /** The last poll failed: said once (onError, and to the pages), then again only on recovery. */
  private failing: string | undefined;
  /** key → version of the newest sessions seen by the last poll (undefined: no poll yet). */
  private newest: Map<string, number> | undefined;

  constructor(
    private readonly log: SessionLog,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly onRecovered: () => void = () => undefined,
  ) {}

  /** Streams to `res` until the page goes away. */
  add(res: ServerResponse, key: string | undefined, version = 0): void {
    const listener: Listener = { res, key, version };
    this.listeners.add(listener);
    res.on('close', () => this.remove(listener));
    res.write('retry: 2000\n\n');
    if (this.failing !== undefined) res.write(`data: ${safeJson({ kind: 'store', ok: false, error: this.failing } satisfies LiveMessage)}\n\n`);
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.poll(), this.pollMs);
      this.heartbeat = setInterval(() => this.each(() => true, ': keep-alive\n\n'), 15_000);
      void this.poll();
    }
  }

  /** How many pages listen (tests, and the poller's on/off). */
  get size(): number {
    return this.listeners.size;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  close(): void {
    for (const l of this.listeners) l.res.end();
    this.listeners.clear();
    this.stop();
  }

  private remove(listener: Listener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
    this.newest = undefined;
  }

  private each(wants: (l: Listener) => boolean, chunk: string): void {
    for (const l of this.listeners) if (wants(l)) l.res.write(chunk);
  }

  private send(wants: (l: Listener) => boolean, message: LiveMessage): void {
    this.each(wants, `data: ${safeJson(message)}\n\n`);
  }

  /** One look at the store; a poll still running when the timer fires again is not doubled. */
  async poll(): Promise<void> {
    if (this.polling || this.timer === undefined) return;
    this.polling = true;
    try {
      const page = await this.log.listSessions({ limit: WATCH_NEWEST });
      const seen = new Map(page.sessions.map((s) => [s.key, s.version]));
      if (this.newest !== undefined) {
        const before = this.newest;
        const changed = page.sessions.filter((s) => before.get(s.key) !== s.version);
        if (changed.length > 0) this.send(() => true, { kind: 'sessions', sessions: changed.map(sessionRow) });
      }
      this.newest = seen;
      const keys = new Set([...this.listeners].flatMap((l) => (l.key === undefined ? [] : [l.key])));
      for (const key of keys) {
        // the newest page already holds a session just written to; others cost one head read
        const version = seen.get(key) ?? (await this.log.getSession(key))?.version ?? -1;
        for (const l of this.listeners) {
          if (l.key !== key || l.version === version) continue;
          l.version = version;
          this.send((x) => x === l, { kind: 'session', key, version: Math.max(0, version), ...(version < 0 ? { deleted: true } : {}) });
        }
      }
      if (this.failing !== undefined) {
        this.failing = undefined;
        this.onRecovered();
        this.send(() => true, { kind: 'store', ok: true });
      }
    } catch (error) {
      // a store that is down fails every poll: one report when it starts failing, one when it recovers
      if (this.failing === undefined) {
        this.failing = error instanceof Error ? error.message : String(error);
        this.onError(error);
        this.send(() => true, { kind: 'store', ok: false, error: this.failing });
      }
    } finally {
      this.polling = false;
    }
  }
}
