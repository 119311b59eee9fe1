import { checkOptionKeys } from '../core/validate.js';
import { IMPORT_OPTION_NAMES } from './types.js';
import { resolve } from 'node:path';
import { SessionLogEngine } from '../engine/session-log.js';
import type { SessionLog } from '../engine/session-log.js';
import { isTurnlogError, TurnlogError } from '../errors.js';
import type { WriteOptions, WriteResult } from '../types.js';
import { RESTORE } from '../engine/write-request.js';
import type { RestorableOptions } from '../engine/write-request.js';
import { planSession } from './jsonl-plan.js';
import type { PlannedCall } from './jsonl-plan.js';
import { isRecord, readJsonLines } from './lines.js';
import { readRegularFile } from './source-files.js';
import { idleWarning } from './recency.js';
import type { ImportOptions, ImportProblem, ImportReport } from './types.js';

/**
 * Re-imports `turnlog export --format jsonl`: every event is applied again through the API, in
 * order, so the new store holds the same log (versions, payloads, times, event ids). A session
 * that GC had folded starts with its `session.base` line; see jsonl-plan.ts for how it and the
 * versions after it are written so that history, summary and metadata come out exactly.
 */
export async function importTurnlogJsonl(log: SessionLog, file: string, options: ImportOptions = {}): Promise<ImportReport> {
  checkOptionKeys('import options', options, IMPORT_OPTION_NAMES);
  if (options.recency !== undefined && options.recency !== 'source') {
    throw new TurnlogError('INVALID_ARGUMENT', "recency: 'import' applies to picoclaw and openclaw imports; a jsonl import restores the exported times");
  }
  const started = performance.now();
  const path = resolve(file);
  const report: ImportReport = { source: path, format: 'turnlog', dryRun: options.dryRun === true, sessions: [], problems: [], ignored: [], durationMs: 0 };
  // Only a regular file, and only up to maxFileBytes: a FIFO or /dev/zero must not hang or fill memory.
  const read = readRegularFile(path, options.maxFileBytes);
  if (!read.ok) throw new TurnlogError('INVALID_ARGUMENT', `${file} ${read.reason}`);
  const text = read.text;
  const bySession = new Map<string, Array<Record<string, unknown>>>();
  for (const l of readJsonLines(text)) {
    const v = l.value;
    if (l.error !== undefined || !isRecord(v) || typeof v['key'] !== 'string' || typeof v['type'] !== 'string' || typeof v['version'] !== 'number') {
      report.problems.push({ file: path, line: l.line, subject: 'line', reason: 'not an exported turnlog event; left out', fatal: true });
      continue;
    }
    const list = bySession.get(v['key']) ?? [];
    list.push(v);
    bySession.set(v['key'], list);
  }
  let done = 0;
  for (const [key, lines] of bySession) {
    report.sessions.push(await replaySession(log, key, lines, report.problems, path, options.dryRun === true));
    options.onProgress?.(++done, bySession.size);
  }
  if (!report.dryRun) {
    // Restored sessions keep their exported times: the same ttl warning as the other importers.
    const times: number[] = [];
    for (const s of report.sessions) {
      const t = s.status === 'imported' ? (await log.getSession(s.key))?.updatedAt : undefined;
      if (t !== undefined) times.push(t);
    }
    const warning = idleWarning(times, options.now ?? Date.now(), false);
    report.warnings = warning === undefined ? [] : [warning];
  }
  report.durationMs = performance.now() - started;
  return report;
}

/** The parts of an event that re-applying it reproduces (versions and cuts follow from them). */
function shape(event: object): string {
  const { type, messages, summary, patch, keepLast, safe, through, count, removed, forkedFrom, metadata } = event as Record<string, unknown>;
  return JSON.stringify({ type, messages, summary, patch, keepLast, safe, through, count, removed, forkedFrom, metadata });
}

function call(log: SessionLog, key: string, c: PlannedCall, o: WriteOptions & RestorableOptions): Promise<WriteResult> {
  switch (c.type) {
    case 'messages.added':
      return log.addMessages(key, c.messages, o);
    case 'history.replaced':
      return log.setHistory(key, c.messages, o);
    case 'summary.set':
      return log.setSummary(key, c.summary, c.through === undefined ? o : { ...o, through: c.through });
    case 'history.truncated':
      return log.truncateHistory(key, c.keepLast, { ...o, safe: c.safe });
    case 'metadata.updated':
      return log.updateMetadata(key, c.patch, o);
    case 'messages.removed':
      return log.removeLast(key, c.count, o);
    case 'messages.replaced':
      return log.replaceLast(key, c.removed, c.messages, o);
    case 'session.forked':
      // Not public: a fork event written as recorded (its source may not be in this store).
      if (!(log instanceof SessionLogEngine)) throw new TurnlogError('INVALID_ARGUMENT', 'a forked session is re-imported only into a store opened by turnlog');
      return log.restoreFork(key, c, o);
  }
}

async function replaySession(log: SessionLog, key: string, lines: Array<Record<string, unknown>>, problems: ImportProblem[], file: string, dryRun: boolean): Promise<ImportReport['sessions'][number]> {
  const base = { key, files: [file], archived: 0 };
  const skipped = (note: string): ImportReport['sessions'][number] => ({ ...base, status: 'skipped', messages: 0, events: 0, note });
  // Stopped part-way: 'skipped' only when nothing was written, else 'incomplete' with the count.
  const stopped = async (note: string, written: number): Promise<ImportReport['sessions'][number]> =>
    written === 0 ? skipped(note) : { ...base, status: 'incomplete', messages: (await log.getSession(key))?.messageCount ?? 0, events: written, note: `${note}; ${written} events were written` };
  const plan = planSession(lines);
  if ('error' in plan) {
    problems.push({ file, subject: 'session', reason: `${JSON.stringify(key)}: ${plan.error}; session not imported`, fatal: true });
    return skipped(plan.error);
  }
  const { steps, expected } = plan;
  // Resume after a crash, and no-op on a re-run: events already here must be this dump's prefix.
  // Up to the version read (a later write is the CONFLICT of the first step), compared as they
  // are read: the session is never held in memory whole.
  const current = (await log.getSession(key))?.version ?? 0;
  let kept = 0;
  let same = true;
  if (current > 0) {
    for await (const e of log.readEvents(key, { toVersion: current })) {
      const step = steps[kept];
      if (step === undefined || shape(step.call) !== shape(e)) {
        same = false;
        break;
      }
      kept++;
    }
  }
  const prefixMatches = same && kept === current;
  if (current > 0 && !prefixMatches) return skipped('a different session with this key already exists; not touched');
  const todo = steps.slice(current);
  if (dryRun) return { ...base, status: todo.length === 0 ? 'unchanged' : 'imported', messages: 0, events: todo.length };
  let written = 0;
  try {
    for (const [i, step] of todo.entries()) {
      const o: WriteOptions & RestorableOptions = { ...(step.eventId === undefined ? {} : { eventId: step.eventId }), ...(step.at === undefined ? {} : { at: step.at }) };
      // Written as recorded: the exported fingerprint and cut, the collected ids, no cap of this store.
      o[RESTORE] = { ...(step.fingerprint === undefined ? {} : { fingerprint: step.fingerprint }), ...(step.start === undefined ? {} : { start: step.start }), ...(step.ids === undefined ? {} : { ids: step.ids }) };
      if (i === 0) o.expectedVersion = current;
      const r = await call(log, key, step.call, o);
      if (r.duplicate !== true) written++;
      // Later `through` values name planned versions: any extra event (a maxMessages cut) breaks them.
      if (r.duplicate !== true && r.version !== current + i + 1) {
        problems.push({ file, subject: 'session', reason: `${JSON.stringify(key)}: version ${r.version} was written where ${current + i + 1} was planned; stopped`, fatal: true });
        return await stopped(`version ${r.version} was written where ${current + i + 1} was planned; stopped`, written);
      }
    }
  } catch (error) {
    if (isTurnlogError(error, 'CONFLICT')) return await stopped('written to by someone else during the import; stopped', written);
    if (isTurnlogError(error, 'INVALID_ARGUMENT') || isTurnlogError(error, 'TOO_LARGE')) {
      problems.push({ file, subject: 'session', reason: `${JSON.stringify(key)}: ${(error as Error).message}; stopped after ${written} events`, fatal: true });
      return await stopped((error as Error).message, written);
    }
    throw error;
  }
  const info = await log.getSession(key);
  const got = { messageCount: info?.messageCount ?? 0, summary: info?.summary ?? '', metadata: info?.metadata ?? {} };
  if (JSON.stringify(got) !== JSON.stringify(expected)) {
    problems.push({ file, subject: 'session', reason: `${JSON.stringify(key)}: the re-imported state differs from the exported one`, fatal: true });
    return { ...base, status: 'incomplete', messages: got.messageCount, events: written, note: `the re-imported state differs from the exported one; ${written} events were written` };
  }
  return { ...base, status: written === 0 ? 'unchanged' : 'imported', messages: info?.messageCount ?? 0, events: written };
}
