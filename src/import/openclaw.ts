import type { Message } from '../types.js';
import { isRecord, readJsonLines } from './lines.js';
import type { JsonLine } from './lines.js';
import { newest, parseTime } from './timestamps.js';
import type { ImportProblem, SessionImage } from './types.js';

/**
 * openclaw's session store, parsed without I/O: `sessions.json` (key → SessionEntry) and
 * pi-agent transcripts (`<sessionId>.jsonl`, version 3), which are trees: the conversation is the
 * chain from the last entry back to the root; other branches were abandoned and are not imported.
 */

export interface TranscriptSummary {
  messages: Message[];
  archived: number;
  summary: string;
  createdAt?: number;
  /** The newest time in the file (entries and their messages, abandoned branches included). */
  lastAt?: number;
  /** Entries of the chain that are not messages (model changes, labels, custom…), by type. */
  skippedTypes: Record<string, number>;
  /** Entries off the chain (abandoned branches). */
  abandoned: number;
}

interface Entry {
  type: string;
  id: string;
  parentId: string | null;
  raw: Record<string, unknown>;
}

export function parseTranscript(file: string, text: string): { transcript: TranscriptSummary; problems: ImportProblem[] } {
  return parseTranscriptLines(file, readJsonLines(text));
}

/**
 * The same, from lines already split and parsed: a JSONL file's, or the rows of openclaw's SQLite
 * `transcript_events` in `seq` order (each row is one former line, verbatim). `line` is what
 * problems point at.
 */
export function parseTranscriptLines(file: string, lines: Iterable<JsonLine>): { transcript: TranscriptSummary; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const entries = new Map<string, Entry>();
  let last: Entry | undefined;
  let createdAt: number | undefined;
  let lastAt: number | undefined;
  for (const l of lines) {
    if (l.error !== undefined || !isRecord(l.value)) {
      problems.push({ file, line: l.line, subject: 'line', reason: l.error === 'partial' ? 'cut-off last line (an interrupted write); left out' : 'malformed line; left out', fatal: false });
      continue;
    }
    const v = l.value;
    const message = v['message'];
    lastAt = newest([lastAt, parseTime(v['timestamp']), isRecord(message) ? parseTime(message['timestamp']) : undefined]);
    if (v['type'] === 'session') {
      createdAt = parseTime(v['timestamp']);
      continue;
    }
    if (typeof v['id'] !== 'string' || typeof v['type'] !== 'string') {
      problems.push({ file, line: l.line, subject: 'line', reason: 'entry without id or type; left out', fatal: false });
      continue;
    }
    const entry: Entry = { type: v['type'], id: v['id'], parentId: typeof v['parentId'] === 'string' ? v['parentId'] : null, raw: v };
    entries.set(entry.id, entry);
    last = entry;
  }
  // The active conversation: from the last entry back to the root.
  const chain: Entry[] = [];
  const seen = new Set<string>();
  for (let e = last; e !== undefined && !seen.has(e.id); e = e.parentId === null ? undefined : entries.get(e.parentId)) {
    seen.add(e.id);
    chain.push(e);
    if (e.parentId !== null && !entries.has(e.parentId)) problems.push({ file, subject: 'session', reason: `entry ${e.id} points at a missing parent ${e.parentId}; history starts there`, fatal: false });
  }
  chain.reverse();
  const messages: Message[] = [];
  const messageIndexOf = new Map<string, number>();
  const skippedTypes: Record<string, number> = {};
  let archived = 0;
  let summary = '';
  for (const e of chain) {
    const m = e.raw['message'];
    if (e.type === 'message' && isRecord(m) && typeof m['role'] === 'string') {
      messageIndexOf.set(e.id, messages.length);
      messages.push(m as Message);
    } else if (e.type === 'compaction') {
      summary = typeof e.raw['summary'] === 'string' ? e.raw['summary'] : '';
      const kept = typeof e.raw['firstKeptEntryId'] === 'string' ? messageIndexOf.get(e.raw['firstKeptEntryId']) : undefined;
      if (kept === undefined) problems.push({ file, subject: 'session', reason: `compaction ${e.id}: its first kept entry is not in the conversation; everything before it is archived`, fatal: false });
      archived = kept ?? messages.length;
    } else {
      skippedTypes[e.type] = (skippedTypes[e.type] ?? 0) + 1;
    }
  }
  return {
    transcript: { messages, archived, summary, createdAt, lastAt, skippedTypes, abandoned: entries.size - chain.length },
    problems,
  };
}

/** `sessions.json`: key → SessionEntry; entries without a `sessionId` are reported. */
export function parseSessionsIndex(file: string, text: string): { entries: Array<[string, Record<string, unknown>]>; problems: ImportProblem[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return { entries: [], problems: [{ file, subject: 'file', reason: `not valid JSON (${(error as Error).message}); nothing in this folder was imported`, fatal: true }] };
  }
  if (!isRecord(doc)) return { entries: [], problems: [{ file, subject: 'file', reason: 'not a JSON object of sessions', fatal: true }] };
  const entries: Array<[string, Record<string, unknown>]> = [];
  const problems: ImportProblem[] = [];
  for (const [key, entry] of Object.entries(doc)) {
    if (key === '' || !isRecord(entry) || typeof entry['sessionId'] !== 'string') problems.push({ file, subject: 'entry', reason: `entry ${JSON.stringify(key)} has no sessionId; not imported`, fatal: true });
    else entries.push([key, entry]);
  }
  return { entries, problems };
}

/**
 * One session from its entry and transcript. `updatedAt` is the entry's, else the newest time in
 * the transcript, else `mtime` (the transcript's, or the index's when there is none): never 0,
 * and never before `createdAt`.
 */
export function imageOf(key: string, entry: Record<string, unknown>, transcript: TranscriptSummary | undefined, files: string[], mtime: number): SessionImage {
  const last = parseTime(entry['updatedAt']) ?? transcript?.lastAt ?? Math.floor(mtime);
  const createdAt = transcript?.createdAt ?? last;
  const updatedAt = Math.max(createdAt, last);
  return {
    key,
    messages: transcript?.messages ?? [],
    archived: transcript?.archived ?? 0,
    summary: transcript?.summary ?? '',
    metadata: entry,
    createdAt,
    updatedAt,
    files,
  };
}

/** Files next to transcripts that are copies, backups or locks: never read. */
export function isOpenclawNoise(name: string): boolean {
  return /\.checkpoint\.[^.]+\.jsonl$/.test(name) || /\.jsonl\.(reset|deleted|bak)\./.test(name) || name === 'sessions.json.lock' || name.endsWith('.tmp') || name.startsWith('.');
}
