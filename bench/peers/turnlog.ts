import { join } from 'node:path';
import { openSessionLog } from '../../src/open.js';
import type { SessionLog } from '../../src/engine/session-log.js';
import type { Message } from '../../src/types.js';
import type { HistoryStore, IndexStore, SeenHistory } from './types.js';

/** turnlog's only durability (the default). */
const DURABILITY = "durability 'flushed': synced to disk when the promise resolves";

/** Writes of one seed batch share a commit, as concurrent writers' do. */
const SEED_BATCH = 1000;

/**
 * turnlog through its public API, one event per message (its real shape), whatever the store
 * below: the LMDB and PostgreSQL peers differ only in the open call, as applications do.
 */
export class SessionLogHistoryStore implements HistoryStore {
  constructor(
    readonly name: string,
    readonly durability: string,
    readonly log: SessionLog,
  ) {}

  async append(key: string, message: Message): Promise<void> {
    await this.log.addFullMessage(key, message);
  }

  history(key: string): Promise<Message[]> {
    return this.log.getHistory(key);
  }

  async snapshot(key: string): Promise<SeenHistory> {
    const version = (await this.log.getSession(key))?.version ?? 0;
    return { messages: await this.log.getHistory(key, { atVersion: version }), version };
  }

  /** The summary covers exactly what was read: `through` cuts those messages and no others. */
  async summarise(key: string, summary: string, _keepLast: number, seen: SeenHistory): Promise<void> {
    await this.log.setSummary(key, summary, { through: seen.version ?? 0 });
  }

  async seed(key: string, messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += SEED_BATCH) {
      await Promise.all(messages.slice(i, i + SEED_BATCH).map((m) => this.log.addFullMessage(key, m)));
    }
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

export class SessionLogIndexStore implements IndexStore {
  constructor(
    readonly name: string,
    readonly durability: string,
    private readonly log: SessionLog,
  ) {}

  async update(key: string, patch: Record<string, unknown>): Promise<void> {
    await this.log.updateMetadata(key, patch);
  }

  async newest(limit: number): Promise<string[]> {
    return (await this.log.listSessions({ limit })).sessions.map((s) => s.key);
  }

  async seed(count: number, entry: (i: number) => Record<string, unknown>): Promise<void> {
    for (let i = 0; i < count; i += SEED_BATCH) {
      const n = Math.min(SEED_BATCH, count - i);
      await Promise.all(Array.from({ length: n }, (_, j) => this.log.updateMetadata(`s:${i + j}`, entry(i + j), { at: i + j })));
    }
  }

  close(): Promise<void> {
    return this.log.close();
  }
}

export const turnlogHistory = () => (dir: string) => new SessionLogHistoryStore('turnlog flushed', DURABILITY, openSessionLog({ path: join(dir, 'store') }));
export const turnlogIndex = () => (dir: string) => new SessionLogIndexStore('turnlog flushed', DURABILITY, openSessionLog({ path: join(dir, 'store') }));
