import type { Message } from '../types.js';
import { isRecord, readJsonLines } from './lines.js';
import { newest, oldest, parseRfc3339 } from './timestamps.js';
import type { ImportProblem, SessionImage } from './types.js';

/**
 * picoclaw's two on-disk formats, parsed without I/O. Keys come from inside the files (the file
 * names are a lossy sanitisation). Problems are returned, never thrown.
 */

export interface Parsed {
  image?: SessionImage;
  problems: ImportProblem[];
  /** Transient thoughts left out (picoclaw never shows them). */
  dropped: number;
}

const isMessage = (v: unknown): v is Message => isRecord(v) && typeof v['role'] === 'string' && v['role'] !== '';
const blank = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/** An assistant message with only reasoning in it: a thought picoclaw does not show or send. */
export function isTransientThought(m: Message): boolean {
  if (m.role !== 'assistant' || !blank(m.content) || blank(m['reasoning_content'])) return false;
  return Object.keys(m).every((k) => ['role', 'content', 'reasoning_content', 'created_at', 'model_name'].includes(k));
}

/** Legacy `<key>.json`: `{ key, messages, summary?, created, updated }`. */
export function parseLegacyFile(file: string, text: string, mtime: number): Parsed {
  const problems: ImportProblem[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { problems: [{ file, subject: 'file', reason: `not valid JSON (${(error as Error).message})`, fatal: true }], dropped: 0 };
  }
  if (!isRecord(doc) || typeof doc['key'] !== 'string' || doc['key'] === '' || !Array.isArray(doc['messages'])) {
    return { problems: [{ file, subject: 'file', reason: 'not a picoclaw session (needs a string key and a messages array)', fatal: true }], dropped: 0 };
  }
  const messages: Message[] = [];
  let dropped = 0;
  (doc['messages'] as unknown[]).forEach((m, i) => {
    if (!isMessage(m)) problems.push({ file, subject: 'message', reason: `messages[${i}] is not a message (no role); left out`, fatal: false });
    else if (isTransientThought(m)) dropped++;
    else messages.push(m);
  });
  const { createdAt, updatedAt } = timesOf(doc['created'], doc['updated'], messages, mtime);
  const image: SessionImage = {
    key: doc['key'],
    messages,
    archived: 0,
    summary: typeof doc['summary'] === 'string' ? doc['summary'] : '',
    metadata: {},
    createdAt,
    updatedAt,
    files: [file],
  };
  return { image, problems, dropped };
}

/**
 * JSONL `<key>.jsonl` + `<key>.meta.json` `{ key, summary, skip, count, created_at, updated_at, scope?, aliases? }`.
 * `skip` counts leading non-blank lines that were truncated (archived, still on disk); `count` may
 * be stale and is not trusted. A cut-off last line or a corrupt line is reported and left out.
 */
export function parseJsonlFile(file: string, text: string, metaFile: string, metaText: string | undefined, mtime: number): Parsed {
  if (metaText === undefined) {
    return { problems: [{ file, subject: 'file', reason: `no ${metaFile}: the session key cannot be told from the file name (it is a lossy sanitisation)`, fatal: true }], dropped: 0 };
  }
  let meta: unknown;
  try {
    meta = JSON.parse(metaText);
  } catch (error) {
    return { problems: [{ file: metaFile, subject: 'file', reason: `not valid JSON (${(error as Error).message})`, fatal: true }], dropped: 0 };
  }
  if (!isRecord(meta) || typeof meta['key'] !== 'string' || meta['key'] === '') {
    return { problems: [{ file: metaFile, subject: 'file', reason: 'meta file has no key', fatal: true }], dropped: 0 };
  }
  const skip = typeof meta['skip'] === 'number' && Number.isInteger(meta['skip']) && meta['skip'] > 0 ? meta['skip'] : 0;
  const problems: ImportProblem[] = [];
  const messages: Message[] = [];
  let archived = 0;
  let dropped = 0;
  readJsonLines(text).forEach((l, index) => {
    if (l.error === 'partial') return void problems.push({ file, line: l.line, subject: 'line', reason: 'cut-off last line (an interrupted write); left out', fatal: false });
    if (l.error !== undefined || !isMessage(l.value)) return void problems.push({ file, line: l.line, subject: 'line', reason: 'not a message; left out', fatal: false });
    if (isTransientThought(l.value)) return void dropped++;
    messages.push(l.value);
    if (index < skip) archived++;
  });
  const { createdAt, updatedAt } = timesOf(meta['created_at'], meta['updated_at'], messages, mtime);
  const metadata: Record<string, unknown> = {};
  if (meta['scope'] !== undefined) metadata['scope'] = meta['scope'];
  if (meta['aliases'] !== undefined) metadata['aliases'] = meta['aliases'];
  const image: SessionImage = {
    key: meta['key'],
    messages,
    archived,
    summary: typeof meta['summary'] === 'string' ? meta['summary'] : '',
    metadata,
    createdAt,
    updatedAt,
    files: [file, metaFile],
  };
  return { image, problems, dropped };
}

/**
 * A session's times: the file's own, else its messages' `created_at` (newest for the last
 * activity), else the file's mtime. Never 0, and never updated before created.
 */
function timesOf(created: unknown, updated: unknown, messages: readonly Message[], mtime: number): { createdAt: number; updatedAt: number } {
  const stamps = messages.map((m) => parseRfc3339(m['created_at']));
  const updatedAt = parseRfc3339(updated) ?? newest(stamps) ?? Math.floor(mtime);
  const createdAt = parseRfc3339(created) ?? oldest(stamps) ?? updatedAt;
  // A file updated "before" it was created: the later time is the safer recency for a ttl.
  return { createdAt, updatedAt: Math.max(createdAt, updatedAt) };
}

/** What a sessions folder holds, by name. */
export type PicoclawEntry = { kind: 'jsonl'; file: string; meta: string } | { kind: 'legacy'; file: string } | { kind: 'ignored'; file: string };

export function classifyPicoclawFile(name: string): 'jsonl' | 'meta' | 'legacy' | 'ignored' {
  // temp files of interrupted writes (session-*.tmp, .tmp-*) and other hidden files
  if (name.startsWith('.') || name.endsWith('.tmp')) return 'ignored';
  if (name.endsWith('.meta.json')) return 'meta';
  if (name.endsWith('.jsonl')) return 'jsonl';
  if (name.endsWith('.json')) return 'legacy';
  return 'ignored'; // *.json.migrated, session-*.tmp, .tmp-*, anything else
}
