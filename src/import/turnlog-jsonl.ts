import { resolve } from 'node:path';
import type { SessionLog } from '../engine/session-log.js';
import { isTurnlogError, TurnlogError } from '../errors.js';
import type { Message, SessionEvent, WriteOptions } from '../types.js';
import { isRecord, readJsonLines } from './lines.js';
import { readRegularFile } from './source-files.js';
import type { ImportOptions, ImportProblem, ImportReport } from './types.js';

/**
 * Re-imports `turnlog export --format jsonl`: every event is applied again through the API, in
 * order, so the new store holds the same log (versions, payloads, times, event ids). A session
 * that GC had folded starts with its `session.base` line, replayed as a replacement and a
 * summary; versions after it shift by a constant, and `through` shifts with them.
 */
type Line = (SessionEvent & { key: string }) | { key: string; type: 'session.base'; version: number; summary: string; messages: Message[]; createdAt?: number };

export async function importTurnlogJsonl(log: SessionLog, file: string, options: ImportOptions = {}): Promise<ImportReport> {
  const started = performance.now();
  const path = resolve(file);
  const report: ImportReport = { source: path, format: 'turnlog', dryRun: options.dryRun === true, sessions: [], problems: [], ignored: [], durationMs: 0 };
  // Only a regular file, and only up to maxFileBytes: a FIFO or /dev/zero must not hang or fill memory.
  const read = readRegularFile(path, options.maxFileBytes);
  if (!read.ok) throw new TurnlogError('INVALID_ARGUMENT', `${file} ${read.reason}`);
  const text = read.text;
  const bySession = new Map<string, Line[]>();
  for (const l of readJsonLines(text)) {
    const v = l.value;
    if (l.error !== undefined || !isRecord(v) || typeof v['key'] !== 'string' || typeof v['type'] !== 'string' || typeof v['version'] !== 'number') {
      report.problems.push({ file: path, line: l.line, subject: 'line', reason: 'not an exported turnlog event; left out', fatal: true });
      continue;
    }
    const list = bySession.get(v['key']) ?? [];
    list.push(v as unknown as Line);
    bySession.set(v['key'], list);
  }
  let done = 0;
  for (const [key, lines] of bySession) {
    report.sessions.push(await replaySession(log, key, lines, report.problems, path, options.dryRun === true));
    options.onProgress?.(++done, bySession.size);
  }
  report.durationMs = performance.now() - started;
  return report;
}

/** The parts of an event that re-applying it reproduces (versions and cuts follow from them). */
function shape(event: object): string {
  const { type, messages, summary, patch, keepLast, safe } = event as Record<string, unknown>;
  return JSON.stringify({ type, messages, summary, patch, keepLast, safe });
}

async function replaySession(log: SessionLog, key: string, lines: Line[], problems: ImportProblem[], file: string, dryRun: boolean): Promise<ImportReport['sessions'][number]> {
  const base = { key, files: [file], archived: 0 };
  // What re-applying produces, in order: a base line becomes a replacement (+ a summary).
  type Step = { shape: string; eventId?: string; at?: number; run: (o: WriteOptions, offset: number) => Promise<{ duplicate?: boolean }> };
  const steps: Step[] = [];
  let baseVersions = 0;
  let baseVersion = 0;
  for (const l of lines) {
    const keep = { ...('eventId' in l && typeof l.eventId === 'string' ? { eventId: l.eventId } : {}), ...('at' in l && typeof l.at === 'number' ? { at: l.at } : {}) };
    switch (l.type) {
      case 'session.base': {
        const at = l.createdAt === undefined ? {} : { at: l.createdAt };
        baseVersion = l.version;
        steps.push({ shape: shape({ type: 'history.replaced', messages: l.messages }), ...at, run: (o) => log.setHistory(key, l.messages, o) });
        baseVersions = 1;
        if (l.summary !== '') {
          steps.push({ shape: shape({ type: 'summary.set', summary: l.summary }), ...at, run: (o) => log.setSummary(key, l.summary, o) });
          baseVersions = 2;
        }
        break;
      }
      case 'messages.added':
        steps.push({ shape: shape(l), ...keep, run: (o) => log.addMessages(key, l.messages, o) });
        break;
      case 'history.replaced':
        steps.push({ shape: shape(l), ...keep, run: (o) => log.setHistory(key, l.messages, o) });
        break;
      case 'summary.set':
        steps.push({ shape: shape(l), ...keep, run: (o, offset) => log.setSummary(key, l.summary, { ...o, ...(l.through === undefined ? {} : { through: Math.max(0, l.through - offset) }) }) });
        break;
      case 'history.truncated':
        steps.push({ shape: shape(l), ...keep, run: (o) => log.truncateHistory(key, l.keepLast, { ...o, safe: l.safe }) });
        break;
      case 'metadata.updated':
        steps.push({ shape: shape(l), ...keep, run: (o) => log.updateMetadata(key, l.patch, o) });
        break;
      default:
        problems.push({ file, subject: 'line', reason: `${key} v${(l as { version: number }).version}: unknown event type; left out`, fatal: true });
    }
  }
  // Versions after a base line move down by this much, and `through` with them.
  const offset = baseVersion - baseVersions;
  // Resume after a crash, and no-op on a re-run: events already here must be this dump's prefix.
  const existing = [...log.readEvents(key)];
  const current = log.getSession(key)?.version ?? 0;
  const prefixMatches = existing.length === current && existing.every((e, i) => steps[i] !== undefined && steps[i].shape === shape(e));
  if (current > 0 && !prefixMatches) return { ...base, status: 'skipped', messages: 0, events: 0, note: 'a different session with this key already exists; not touched' };
  const todo = steps.slice(current);
  if (dryRun) return { ...base, status: todo.length === 0 ? 'unchanged' : 'imported', messages: 0, events: todo.length };
  let written = 0;
  try {
    for (const [i, step] of todo.entries()) {
      const o: WriteOptions = { ...(step.eventId === undefined ? {} : { eventId: step.eventId }), ...(step.at === undefined ? {} : { at: step.at }) };
      if (i === 0) o.expectedVersion = current;
      const r = await step.run(o, offset);
      if (r.duplicate !== true) written++;
    }
  } catch (error) {
    if (isTurnlogError(error, 'CONFLICT')) return { ...base, status: 'skipped', messages: 0, events: written, note: 'written to by someone else during the import; stopped' };
    throw error;
  }
  const info = log.getSession(key);
  return { ...base, status: written === 0 ? 'unchanged' : 'imported', messages: info?.messageCount ?? 0, events: written };
}
