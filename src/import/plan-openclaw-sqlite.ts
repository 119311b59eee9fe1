import { imageOf, parseTranscriptLines } from './openclaw.js';
import type { TranscriptSummary } from './openclaw.js';
import { decodeArchive, decodeEvent } from './openclaw-sqlite-decode.js';
import { isRecord, readJsonLines } from './lines.js';
import type { JsonLine } from './lines.js';
import type { ZstdModule } from './optional-deps.js';
import { parseTime } from './timestamps.js';
import type { ImportProblem, Plan } from './types.js';
import type { AgentDatabase, NodeRow } from './openclaw-sqlite-rows.js';

export type { AgentDatabase, ArchiveRow, EventRow, NodeRow, WindowRow } from './openclaw-sqlite-rows.js';

/**
 * openclaw's SQLite era (2026.8 on), planned without I/O from the rows of one agent database:
 *
 * - `session_nodes`: one row per session key; `entry_json` is the session entry (the shape of a
 *   `sessions.json` value), kept as metadata; `current_session_id` names the current window.
 * - `session_windows`: one row per transcript generation of a key; `previous_session_id` links a
 *   window to the one it replaced (reset, rollover, compaction…). The chain is followed while it
 *   stays on the same key (a fork starts from another key's window: that one is not ours).
 * - `transcript_events`: a window's former JSONL lines, one per row in `seq` order (seq 0 is the
 *   header): parsed exactly like a JSONL transcript, so the active branch, compactions and the
 *   header's time come out the same.
 * - `session_transcript_archives`: generations openclaw moved to the cold tier (deleted or
 *   reset): a whole JSONL transcript per row.
 *
 * A session's history is the current window's active branch; earlier generations (the window
 * chain, and the archives of the key whose rows are gone) come first, oldest first, imported and
 * then cut (truncated history, as archived lines are for the other formats).
 */

interface Generation {
  transcript: TranscriptSummary;
  /** Where it starts: its header's time, else its row's; for the order of generations. */
  start: number;
  order: number;
}

/** A window's transcript from its rows: a row that cannot be decoded is reported and left out. */
function windowTranscript(db: AgentDatabase, zstd: () => ZstdModule, key: string, sessionId: string, problems: ImportProblem[]): TranscriptSummary | undefined {
  const rows = db.events(sessionId);
  if (rows.length === 0) return undefined;
  const lines: JsonLine[] = [];
  const found: Array<{ seq: number; problem: ImportProblem }> = [];
  for (const row of rows) {
    const seq = Number(row.seq);
    const decoded = decodeEvent(zstd, row);
    if (!decoded.ok) {
      found.push({ seq, problem: { file: db.file, subject: 'line', reason: `${where(sessionId, seq)}: ${decoded.reason}; left out`, fatal: false } });
      continue;
    }
    try {
      lines.push({ line: seq, value: JSON.parse(decoded.text) as unknown });
    } catch {
      lines.push({ line: seq, error: 'corrupt' });
    }
  }
  const parsed = parse(db, lines, (seq) => (seq < 0 ? `session ${JSON.stringify(key)} window ${JSON.stringify(sessionId)}` : where(sessionId, seq)));
  // in row order, whichever step found them
  found.push(...parsed.found);
  problems.push(...found.sort((a, b) => a.seq - b.seq).map((f) => f.problem));
  return parsed.transcript;
}

const where = (sessionId: string, seq: number): string => `transcript_events session_id ${JSON.stringify(sessionId)} seq ${seq}`;

/**
 * Parses lines; problems that point at a line say which row or archive line instead (a database
 * has no lines), and keep its number (`seq`; -1 for the transcript as a whole) to be ordered by.
 */
function parse(db: AgentDatabase, lines: JsonLine[], locate: (line: number) => string): { transcript: TranscriptSummary; found: Array<{ seq: number; problem: ImportProblem }> } {
  const { transcript, problems } = parseTranscriptLines(db.file, lines);
  const found = problems.map(({ line, ...p }) => ({ seq: line ?? -1, problem: { ...p, reason: `${locate(line ?? -1)}: ${p.reason}` } }));
  return { transcript, found };
}

/** The earlier generations of a key, oldest first. */
function earlier(db: AgentDatabase, zstd: () => ZstdModule, node: NodeRow, problems: ImportProblem[]): Generation[] {
  const key = node.session_key;
  const out: Generation[] = [];
  const withRows = new Set<string>([node.current_session_id]);
  const seen = new Set<string>([node.current_session_id]);
  let order = 0;
  // The window chain, newest to oldest, while it stays on this key.
  for (let prev = db.window(node.current_session_id)?.previous_session_id; typeof prev === 'string' && !seen.has(prev); ) {
    seen.add(prev);
    const w = db.window(prev);
    if (w !== undefined && w.session_key !== key) break;
    const t = windowTranscript(db, zstd, key, prev, problems);
    if (t !== undefined) {
      withRows.add(prev);
      out.push({ transcript: t, start: t.createdAt ?? Number(w?.created_at ?? 0), order: order-- });
    }
    prev = w?.previous_session_id ?? undefined;
  }
  // Archived generations of this key (their rows are gone; a window that still has rows wins).
  for (const a of db.archives(key)) {
    if (withRows.has(a.session_id)) continue;
    const name = `session_transcript_archives ${JSON.stringify(a.archive_name ?? `${a.session_id}/${a.generation ?? ''}`)}`;
    const decoded = decodeArchive(zstd, a);
    if (!decoded.ok) {
      problems.push({ file: db.file, subject: 'session', reason: `${name}: ${decoded.reason}; that earlier transcript of ${JSON.stringify(key)} was left out`, fatal: false });
      continue;
    }
    const { transcript: t, found } = parse(db, readJsonLines(decoded.text), (line) => (line < 0 ? name : `${name} line ${line}`));
    problems.push(...found.map((f) => f.problem));
    out.push({ transcript: t, start: t.createdAt ?? Number(a.created_at ?? 0), order: order-- });
  }
  return out.sort((x, y) => x.start - y.start || x.order - y.order);
}

/** Earlier generations, then the current one: one transcript, the earlier ones all archived. */
function joined(gens: Generation[], current: TranscriptSummary | undefined): TranscriptSummary | undefined {
  if (gens.length === 0) return current;
  const all = [...gens.map((g) => g.transcript), ...(current === undefined ? [] : [current])];
  const before = gens.reduce((n, g) => n + g.transcript.messages.length, 0);
  const skippedTypes: Record<string, number> = {};
  for (const t of all) for (const [k, n] of Object.entries(t.skippedTypes)) skippedTypes[k] = (skippedTypes[k] ?? 0) + n;
  const times = (f: (t: TranscriptSummary) => number | undefined) => all.map(f).filter((x): x is number => x !== undefined);
  const created = times((t) => t.createdAt);
  const last = times((t) => t.lastAt);
  return {
    messages: all.flatMap((t) => t.messages),
    archived: before + (current?.archived ?? 0),
    summary: current?.summary ?? '',
    ...(created.length > 0 ? { createdAt: Math.min(...created) } : {}),
    ...(last.length > 0 ? { lastAt: Math.max(...last) } : {}),
    skippedTypes,
    abandoned: all.reduce((n, t) => n + t.abandoned, 0),
  };
}

/**
 * Plans every session of `db` into `plan`. `taken`: keys planned from other databases of the
 * same import (a key is imported once; a later one is reported). `fallbackTime`: the database's
 * modification time, for a session with no time at all.
 */
export function planAgentDatabase(db: AgentDatabase, zstd: () => ZstdModule, plan: Plan, taken: Map<string, string>, fallbackTime: number): void {
  for (const node of db.nodes()) {
    const key = node.session_key;
    let entry: unknown;
    try {
      entry = JSON.parse(node.entry_json);
    } catch {
      entry = undefined;
    }
    if (!isRecord(entry) || typeof key !== 'string' || key === '') {
      plan.problems.push({ file: db.file, subject: 'entry', reason: `session_nodes ${JSON.stringify(key)}: entry_json is not a JSON object; not imported`, fatal: true });
      continue;
    }
    const other = taken.get(key);
    if (other !== undefined) {
      plan.problems.push({ file: db.file, subject: 'entry', reason: `session ${JSON.stringify(key)} was already imported from ${other}; not imported again`, fatal: true });
      continue;
    }
    taken.set(key, db.file);
    const gens = earlier(db, zstd, node, plan.problems);
    const current = windowTranscript(db, zstd, key, node.current_session_id, plan.problems);
    const transcript = joined(gens, current);
    const rowTime = parseTime(node.updated_at ?? undefined) ?? fallbackTime;
    plan.images.push(imageOf(key, entry, transcript, [db.file], rowTime));
    const notes = [
      gens.length > 0 ? `${gens.length} earlier transcript${gens.length === 1 ? '' : 's'} archived` : undefined,
      transcript === undefined ? 'no transcript: metadata only' : current === undefined ? 'the current window has no transcript yet' : undefined,
      transcript !== undefined && transcript.abandoned > 0 ? `${transcript.abandoned} entr${transcript.abandoned === 1 ? 'y' : 'ies'} on abandoned branches left out` : undefined,
    ].filter(Boolean);
    if (notes.length > 0) plan.notes.set(key, notes.join('; '));
  }
}
