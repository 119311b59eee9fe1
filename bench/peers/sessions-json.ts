import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './files.js';
import type { IndexStore } from './types.js';

type Entry = Record<string, unknown> & { updatedAt: number };

/**
 * openclaw's session index: one `sessions.json` object holding every session's entry. An update
 * re-reads and parses the whole file, changes one entry and writes the whole file back
 * (tmp + fsync + rename); a list parses it and sorts by `updatedAt`.
 */
export class SessionsJsonStore implements IndexStore {
  readonly name = 'sessions.json';
  readonly durability = 'whole file rewritten per update (tmp + fsync + rename)';
  private readonly file: string;

  constructor(dir: string) {
    this.file = join(dir, 'sessions.json');
  }

  private read(): Record<string, Entry> {
    return existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, Entry>) : {};
  }

  async update(key: string, patch: Record<string, unknown>): Promise<void> {
    const all = this.read();
    all[key] = { ...all[key], ...patch, updatedAt: Date.now() };
    writeFileAtomic(this.file, JSON.stringify(all, null, 2));
  }

  newest(limit: number): string[] {
    return Object.entries(this.read())
      .sort((a, b) => b[1].updatedAt - a[1].updatedAt)
      .slice(0, limit)
      .map(([k]) => k);
  }

  async seed(count: number, entry: (i: number) => Record<string, unknown>): Promise<void> {
    const all: Record<string, Entry> = {};
    for (let i = 0; i < count; i++) all[`s:${i}`] = { ...entry(i), updatedAt: i };
    writeFileAtomic(this.file, JSON.stringify(all, null, 2));
  }

  async close(): Promise<void> {}
}

export const sessionsJson = () => (dir: string) => new SessionsJsonStore(dir);
