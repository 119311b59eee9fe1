import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '../../src/types.js';
import { fileName, writeFileAtomic } from './files.js';
import type { HistoryStore, SeenHistory } from './types.js';

interface Session {
  key: string;
  messages: Message[];
  summary: string;
  created: number;
  updated: number;
}

/**
 * picoclaw's legacy store: sessions live in memory and every save rewrites the whole session
 * as one JSON file (tmp + fsync + rename). Reads parse the file, as a restarted process or a
 * second one does (picoclaw itself answers from its in-memory copy).
 */
export class JsonStore implements HistoryStore {
  readonly name = 'json';
  readonly durability = 'whole session rewritten per save (tmp + fsync + rename)';
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly dir: string) {}

  private file(key: string): string {
    return join(this.dir, `${fileName(key)}.json`);
  }

  private load(key: string): Session {
    let s = this.sessions.get(key);
    if (s === undefined) {
      const file = this.file(key);
      s = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Session) : { key, messages: [], summary: '', created: Date.now(), updated: Date.now() };
      this.sessions.set(key, s);
    }
    return s;
  }

  private save(s: Session): void {
    s.updated = Date.now();
    writeFileAtomic(this.file(s.key), JSON.stringify(s));
  }

  async append(key: string, message: Message): Promise<void> {
    const s = this.load(key);
    s.messages.push(message);
    this.save(s);
  }

  history(key: string): Message[] {
    const file = this.file(key);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Session).messages : [];
  }

  snapshot(key: string): SeenHistory {
    return { messages: this.load(key).messages.slice() };
  }

  /** SetSummary + TruncateHistory(keepLast) on the in-memory session, then Save. */
  async summarise(key: string, summary: string, keepLast: number): Promise<void> {
    const s = this.load(key);
    s.summary = summary;
    s.messages = s.messages.slice(-keepLast);
    this.save(s);
  }

  async seed(key: string, messages: Message[]): Promise<void> {
    const s = this.load(key);
    s.messages.push(...messages);
    this.save(s);
  }

  async close(): Promise<void> {
    this.sessions.clear();
  }
}

export const json = () => (dir: string) => new JsonStore(dir);
