import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from '../../src/types.js';
import { fileName, writeFileAtomic } from './files.js';
import type { HistoryStore, SeenHistory } from './types.js';

interface Meta {
  key: string;
  summary: string;
  /** Lines before this one are logically truncated. */
  skip: number;
  count: number;
  created_at: number;
  updated_at: number;
}

/**
 * picoclaw's JSONL store: one `<key>.jsonl` per session, each message appended as a line and
 * fsynced, then the session's `<key>.meta.json` (summary, skip offset, count) rewritten
 * atomically. Truncation is logical: it only moves the skip offset, so files never shrink, and
 * nothing expires. Its locks live in one process (in Node, one thread runs each operation to
 * its end, which is the same guarantee).
 */
export class JsonlStore implements HistoryStore {
  readonly name = 'jsonl';
  readonly durability = 'fsync per message, then meta file replaced (tmp + fsync + rename)';
  private readonly metas = new Map<string, Meta>();

  constructor(private readonly dir: string) {}

  private paths(key: string): { log: string; meta: string } {
    const base = join(this.dir, fileName(key));
    return { log: `${base}.jsonl`, meta: `${base}.meta.json` };
  }

  private meta(key: string): Meta {
    let m = this.metas.get(key);
    if (m === undefined) {
      const file = this.paths(key).meta;
      m = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Meta) : { key, summary: '', skip: 0, count: 0, created_at: Date.now(), updated_at: Date.now() };
      this.metas.set(key, m);
    }
    return m;
  }

  private saveMeta(m: Meta): void {
    m.updated_at = Date.now();
    writeFileAtomic(this.paths(m.key).meta, JSON.stringify(m));
  }

  private appendLines(key: string, messages: Message[]): void {
    const fd = openSync(this.paths(key).log, 'a', 0o600);
    try {
      writeSync(fd, messages.map((x) => `${JSON.stringify(x)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const m = this.meta(key);
    m.count += messages.length;
    this.saveMeta(m);
  }

  async append(key: string, message: Message): Promise<void> {
    this.appendLines(key, [message]);
  }

  history(key: string): Message[] {
    const file = this.paths(key).log;
    if (!existsSync(file)) return [];
    const skip = this.meta(key).skip;
    const lines = readFileSync(file, 'utf8').split('\n');
    const out: Message[] = [];
    for (let i = skip; i < lines.length; i++) {
      const line = lines[i] as string;
      if (line !== '') out.push(JSON.parse(line) as Message);
    }
    return out;
  }

  snapshot(key: string): SeenHistory {
    return { messages: this.history(key) };
  }

  /** SetSummary, then TruncateHistory(keepLast): two meta rewrites, as picoclaw's summariser does. */
  async summarise(key: string, summary: string, keepLast: number): Promise<void> {
    const m = this.meta(key);
    m.summary = summary;
    this.saveMeta(m);
    m.skip = Math.max(m.skip, m.count - keepLast);
    this.saveMeta(m);
  }

  async seed(key: string, messages: Message[]): Promise<void> {
    this.appendLines(key, messages);
  }

  async close(): Promise<void> {
    this.metas.clear();
  }
}

export const jsonl = () => (dir: string) => new JsonlStore(dir);
