import { mergeMetadata } from '../core/projection.js';
import type { Message } from '../types.js';
import { isRecord } from './lines.js';
import type { RestoredId } from '../engine/writer.js';

/**
 * How one session of a `turnlog export --format jsonl` dump is written again: a pure plan, so
 * that what a re-import produces can be checked without a store. The rules:
 *
 * - Without a `session.base` line every event is applied again as it was: the same versions.
 * - A base line becomes `setHistory` (split at the cut positions that later `through` summaries
 *   need), `setSummary` when the summary is not empty, and `updateMetadata` with the metadata at
 *   the base (always: it also carries the base's time). Later versions shift by a known amount.
 * - A `summary.set` with `through` after the base maps `through` to the shifted version. One with
 *   `through` at or below the base names a collected version: it maps to the planned version whose
 *   history ends exactly where the original cut fell (the base's split points exist for that), or
 *   to 0 when the original cut removed nothing. Replaying it then cuts exactly where it cut.
 */

export type PlannedCall =
  | { type: 'history.replaced'; messages: Message[] }
  | { type: 'messages.added'; messages: Message[] }
  | { type: 'summary.set'; summary: string; through?: number }
  | { type: 'history.truncated'; keepLast: number; safe: boolean }
  | { type: 'metadata.updated'; patch: Record<string, unknown> }
  | { type: 'messages.removed'; count: number }
  | { type: 'messages.replaced'; removed: number; messages: Message[] }
  | { type: 'session.forked'; forkedFrom: { key: string; version: number }; from: number; messages: Message[]; summary: string; metadata: Record<string, unknown> };

export interface PlannedStep {
  call: PlannedCall;
  eventId?: string;
  at?: number;
  /** The exported fingerprint of `eventId` (the change as first described). */
  fingerprint?: string;
  /** The cut the exported event recorded, in planned positions: written exactly, not recomputed. */
  start?: number;
  /** Event ids of collected events (from the base line), their versions mapped to the planned base. */
  ids?: RestoredId[];
}

export interface SessionPlan {
  steps: PlannedStep[];
  /** The state the steps must leave (checked after writing). */
  expected: { messageCount: number; summary: string; metadata: Record<string, unknown> };
}

const isFingerprint = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const optInt = (v: unknown): boolean => v === undefined || isInt(v);
const optNum = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isFinite(v));

class PlanError extends Error {}
const fail = (why: string): never => {
  throw new PlanError(why);
};

function messagesOf(l: Record<string, unknown>): Message[] {
  const m = l['messages'];
  if (!Array.isArray(m)) fail(`v${String(l['version'])}: messages is not an array`);
  return m as Message[];
}

/** Plans one session's lines (in file order), or says why it cannot be re-imported faithfully. */
export function planSession(lines: ReadonlyArray<Record<string, unknown>>): SessionPlan | { error: string } {
  try {
    return plan(lines);
  } catch (error) {
    if (error instanceof PlanError) return { error: error.message };
    throw error;
  }
}

function plan(lines: ReadonlyArray<Record<string, unknown>>): SessionPlan {
  const steps: PlannedStep[] = [];
  /** Planned history end after each planned version (index = version). */
  const nextAt: number[] = [0];
  let start = 0;
  let next = 0;
  let summary = '';
  let metadata: Record<string, unknown> = {};
  const push = (call: PlannedCall, line: Record<string, unknown> | undefined, at?: number, cut?: number): number => {
    const step: PlannedStep = { call };
    const id = line?.['eventId'];
    if (typeof id === 'string') step.eventId = id;
    const fingerprint = line?.['fingerprint'];
    if (fingerprint !== undefined && !isFingerprint(fingerprint)) fail(`v${String(line?.['version'])}: fingerprint is not 32 hex digits`);
    if (typeof id === 'string' && typeof fingerprint === 'string') step.fingerprint = fingerprint;
    if (cut !== undefined) step.start = cut;
    const t = at ?? line?.['at'];
    if (typeof t === 'number') step.at = t;
    steps.push(step);
    // Ids of collected events that pointed at this version in the exporting store.
    if (line?.['eventIds'] !== undefined) step.ids = collectedIds(line['eventIds'], steps.length);
    nextAt.push(next);
    return steps.length;
  };
  const versions = new Map<number, number>();
  let base = 0;
  let offset = 0; // absolute position in the dump - planned position
  let rest = lines;
  const head = lines[0];
  if (head !== undefined && head['type'] === 'session.base') {
    rest = lines.slice(1);
    ({ base, offset } = planBase(head, rest, push, (n) => (next = n)));
    summary = head['summary'] as string;
    metadata = mergeMetadata({}, (head['metadata'] as Record<string, unknown> | undefined) ?? {});
    versions.set(base, steps.length);
    // Written with the base's last step, whose version they resolve to.
    const ids = collectedIds(head['eventIds'], steps.length);
    const last = steps[steps.length - 1];
    if (ids.length > 0 && last !== undefined) last.ids = ids;
  }
  let expect = base + 1;
  for (const l of rest) {
    if (l['version'] !== expect) fail(l['type'] === 'session.base' ? 'a second session.base line' : `version ${expect} is missing (found ${String(l['version'])})`);
    expect++;
    if (!optNum(l['at'])) fail(`v${String(l['version'])}: at is not a number`);
    switch (l['type']) {
      case 'messages.added':
      case 'history.replaced': {
        const messages = messagesOf(l);
        if (l['from'] !== undefined && (!isInt(l['from']) || l['from'] - offset !== next)) fail(`v${String(l['version'])}: from ${String(l['from'])} does not follow the history before it`);
        if (l['type'] === 'history.replaced') start = next;
        next += messages.length;
        push({ type: l['type'], messages }, l);
        break;
      }
      case 'messages.removed':
      case 'messages.replaced': {
        // Removals of the newest messages: the positions they free go to what follows.
        const count = l['type'] === 'messages.removed' ? l['count'] : l['removed'];
        if (!isInt(count) || count < 0 || count > next - start || !isInt(l['from']) || l['from'] - offset !== next - count) {
          fail(`v${String(l['version'])}: the removal does not fit the history before it`);
        }
        next -= count as number;
        if (l['type'] === 'messages.removed') push({ type: 'messages.removed', count: count as number }, l);
        else {
          const messages = messagesOf(l);
          next += messages.length;
          push({ type: 'messages.replaced', removed: count as number, messages }, l);
        }
        break;
      }
      case 'history.truncated': {
        if (!isInt(l['keepLast']) || typeof l['safe'] !== 'boolean' || !isInt(l['start'])) fail(`v${String(l['version'])}: not a truncation`);
        // Replayed at its recorded cut: a maxMessages cut (forward) and a safe cut (back) both
        // depend on the store's options and rules, the recorded position does not.
        start = cutAt(l, offset, start, next);
        push({ type: 'history.truncated', keepLast: l['keepLast'] as number, safe: l['safe'] as boolean }, l, undefined, start);
        break;
      }
      case 'summary.set': {
        if (typeof l['summary'] !== 'string' || !optInt(l['through']) || !optInt(l['start'])) fail(`v${String(l['version'])}: not a summary`);
        summary = l['summary'] as string;
        const through = l['through'] as number | undefined;
        if (through === undefined) {
          push({ type: 'summary.set', summary }, l);
          break;
        }
        if (l['start'] === undefined) fail(`v${String(l['version'])}: a summary with through has no start`);
        const cut = cutAt(l, offset, start, next);
        let mapped: number | undefined;
        if (through > base) mapped = versions.get(through);
        else if (cut === start) mapped = 0;
        else mapped = nextAt.findIndex((n, v) => v > 0 && v <= (versions.get(base) ?? 0) && n === cut);
        if (mapped === undefined || mapped < 0) fail(`v${String(l['version'])}: through ${through} cannot be placed`);
        start = cut;
        push({ type: 'summary.set', summary, through: mapped as number }, l, undefined, cut);
        break;
      }
      case 'metadata.updated': {
        if (!isRecord(l['patch'])) fail(`v${String(l['version'])}: patch is not an object`);
        metadata = mergeMetadata(metadata, l['patch'] as Record<string, unknown>);
        push({ type: 'metadata.updated', patch: l['patch'] as Record<string, unknown> }, l);
        break;
      }
      case 'session.forked': {
        const call = forkOf(l);
        // Written as recorded, at its own positions: the source need not be in this store.
        start = call.from;
        next = call.from + call.messages.length;
        summary = call.summary;
        metadata = mergeMetadata({}, call.metadata);
        push(call, l);
        break;
      }
      default:
        fail(`v${String(l['version'])}: unknown event type ${JSON.stringify(l['type'])}`);
    }
    versions.set(l['version'] as number, steps.length);
  }
  return { steps, expected: { messageCount: next - start, summary, metadata } };
}

/** A fork line: only ever version 1 of a session, with its origin and the copied view. */
function forkOf(l: Record<string, unknown>): Extract<PlannedCall, { type: 'session.forked' }> {
  const origin = l['forkedFrom'];
  if (l['version'] !== 1) fail(`v${String(l['version'])}: a fork is only ever the first event`);
  if (!isRecord(origin) || typeof origin['key'] !== 'string' || !isInt(origin['version']) || !isInt(l['from']) || typeof l['summary'] !== 'string' || !isRecord(l['metadata'])) fail('v1: not a fork');
  const { key, version } = origin as { key: string; version: number };
  return { type: 'session.forked', forkedFrom: { key, version }, from: l['from'] as number, messages: messagesOf(l), summary: l['summary'] as string, metadata: l['metadata'] as Record<string, unknown> };
}

/** Exported event ids of collected events (a base line's, an event line's), all mapped to `planned`. */
function collectedIds(v: unknown, planned: number): RestoredId[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return fail('eventIds is not an array');
  return v.map((e: unknown) => {
    if (!isRecord(e) || typeof e['digest'] !== 'string' || !/^[0-9a-f]{64}$/.test(e['digest']) || !isInt(e['version']) || (e['fingerprint'] !== undefined && !isFingerprint(e['fingerprint']))) {
      return fail('an eventIds entry is not { digest, version, fingerprint }');
    }
    const fingerprint = e['fingerprint'] as string | undefined;
    return fingerprint === undefined ? { digest: e['digest'], version: planned } : { digest: e['digest'], version: planned, fingerprint };
  });
}

/** A cut's planned position, checked to lie in the planned visible range. */
function cutAt(l: Record<string, unknown>, offset: number, start: number, next: number): number {
  const cut = (l['start'] as number) - offset;
  if (cut < start || cut > next) fail(`v${String(l['version'])}: cut ${String(l['start'])} lies outside the history before it`);
  return cut;
}

/** The steps of a base line; returns the base version and the position offset. */
function planBase(
  l: Record<string, unknown>,
  rest: ReadonlyArray<Record<string, unknown>>,
  push: (call: PlannedCall, line: undefined, at?: number) => number,
  setNext: (n: number) => void,
): { base: number; offset: number } {
  const base = l['version'];
  if (!isInt(base) || base < 1) return fail('session.base: version is not a positive integer');
  if (typeof l['summary'] !== 'string' || (l['metadata'] !== undefined && !isRecord(l['metadata'])) || !optNum(l['createdAt']) || !optNum(l['at']) || !optInt(l['start'])) fail('session.base: malformed');
  const messages = messagesOf(l);
  const offset = baseOffset(l, rest, messages.length);
  // Where later summaries with `through` at or below the base cut inside the base history.
  const cuts = new Set<number>();
  for (const e of rest) {
    if (e['type'] === 'summary.set' && isInt(e['through']) && e['through'] <= base && isInt(e['start'])) {
      const c = e['start'] - offset;
      if (c > 0 && c < messages.length) cuts.add(c);
    }
  }
  const bounds = [...[...cuts].sort((a, b) => a - b), messages.length];
  const createdAt = l['createdAt'] as number | undefined;
  const at = (l['at'] as number | undefined) ?? createdAt;
  let from = 0;
  for (const [i, b] of bounds.entries()) {
    setNext(b);
    push({ type: i === 0 ? 'history.replaced' : 'messages.added', messages: messages.slice(from, b) }, undefined, i === 0 ? createdAt : at);
    from = b;
  }
  if (l['summary'] !== '') push({ type: 'summary.set', summary: l['summary'] as string }, undefined, at);
  push({ type: 'metadata.updated', patch: (l['metadata'] as Record<string, unknown> | undefined) ?? {} }, undefined, at);
  return { base, offset };
}

/**
 * The absolute position of the base's first visible message. Written by the exporter; a dump
 * from before it was written is anchored on the first later event that adds messages.
 */
function baseOffset(l: Record<string, unknown>, rest: ReadonlyArray<Record<string, unknown>>, count: number): number {
  if (isInt(l['start'])) {
    if (l['next'] !== undefined && l['next'] !== l['start'] + count) fail('session.base: start and next do not match its messages');
    return l['start'];
  }
  for (const e of rest) if (isInt(e['from'])) return e['from'] - count;
  let least: number | undefined;
  for (const e of rest) if (isInt(e['start'])) least = Math.min(least ?? e['start'], e['start']);
  return least ?? 0;
}
