import { invalid } from '../../errors.js';
import type { Message } from '../../types.js';

/**
 * The UIMessages of a save in their JSON form: what the client receives over the stream protocol
 * and what the docs' file store writes (a `Date` in metadata becomes its ISO string, `undefined`
 * fields go). Rejects what cannot be saved by id: a missing or empty id (the SDK leaves the
 * response message's id empty unless `generateMessageId` is passed), or an id given twice.
 */
export function wireMessages(messages: unknown): Message[] {
  if (!Array.isArray(messages)) invalid('messages must be an array of UIMessages');
  const seen = new Map<string, number>();
  return messages.map((m: unknown, i) => {
    const at = `messages[${i}]`;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) invalid(`${at} must be a UIMessage object`);
    const { id, role, parts } = m as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0) {
      invalid(`${at}.id must be a non-empty string (the SDK gives the response message an id only when toUIMessageStreamResponse gets generateMessageId)`);
    }
    if (typeof role !== 'string' || role.length === 0) invalid(`${at}.role must be a non-empty string`);
    if (!Array.isArray(parts)) invalid(`${at}.parts must be an array`);
    const first = seen.get(id);
    if (first !== undefined) invalid(`${at}.id ${JSON.stringify(id)} repeats messages[${first}].id`);
    seen.set(id, i);
    let json: string;
    try {
      json = JSON.stringify(m);
    } catch (error) {
      invalid(`${at} is not JSON data: ${(error as Error).message}`);
    }
    return JSON.parse(json) as Message;
  });
}

/** JSON text with object keys sorted: two messages are the same when these are equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Nothing to write, new messages to append, or the newest `count` stored ones to replace. */
export type ChatChange =
  | { kind: 'none' }
  | { kind: 'append'; messages: Message[] }
  | { kind: 'replace'; count: number; messages: Message[] };

/**
 * What turns the stored history into `incoming`, or `unanchored` when the two share no first
 * message: the visible history is empty although the chat has events (a summary or truncation
 * cut everything), or `incoming` lacks the first visible message (an edit before the cut). The
 * caller then drops from `incoming` what was stored before (see `withoutCut`) and diffs again.
 *
 * Otherwise the two are lined up on the first stored message's id: messages before it in
 * `incoming` were cut from the visible history and are not stored again. From there, messages
 * are compared by id and content (key order aside); the first that differs starts the replaced
 * tail. A save that brings nothing new — `incoming` ends inside what is stored, as a late retry of
 * an earlier save does — writes nothing: the AI SDK never shortens a chat by saving.
 */
export function diffChat(stored: readonly Message[], incoming: readonly Message[], version: number): ChatChange | { kind: 'unanchored' } {
  const n = stored.length;
  if (n === 0) {
    if (version > 0) return { kind: 'unanchored' };
    return incoming.length === 0 ? { kind: 'none' } : { kind: 'append', messages: [...incoming] };
  }
  const firstId = stored[0]?.['id'];
  const start = incoming.findIndex((m) => m['id'] === firstId);
  if (start < 0) return { kind: 'unanchored' };
  return lineUp(stored, incoming.slice(start));
}

/** `incoming` lined up with `stored` from their first message. */
function lineUp(stored: readonly Message[], incoming: readonly Message[]): ChatChange {
  const n = stored.length;
  let same = 0;
  while (same < n && same < incoming.length && sameMessage(stored[same], incoming[same])) same++;
  const rest = incoming.slice(same);
  if (rest.length === 0) return { kind: 'none' };
  if (same === n) return { kind: 'append', messages: rest };
  return { kind: 'replace', count: n - same, messages: rest };
}

/**
 * The diff of an unanchored save: messages of `incoming` that the chat stored before (`known`)
 * and that are not visible now were cut, and are not stored again; the rest is appended to an
 * empty history, or replaces the visible one (an edit before it).
 */
export function withoutCut(stored: readonly Message[], incoming: readonly Message[], known: ReadonlySet<unknown>): ChatChange {
  const visible = new Set(stored.map((m) => m['id']));
  const kept = incoming.filter((m) => visible.has(m['id']) || !known.has(m['id']));
  if (stored.length === 0) return kept.length === 0 ? { kind: 'none' } : { kind: 'append', messages: kept };
  const start = kept.findIndex((m) => m['id'] === stored[0]?.['id']);
  if (start >= 0) return lineUp(stored, kept.slice(start));
  return kept.length === 0 ? { kind: 'none' } : { kind: 'replace', count: stored.length, messages: kept };
}

function sameMessage(a: Message | undefined, b: Message | undefined): boolean {
  return a !== undefined && b !== undefined && a['id'] === b['id'] && canonicalJson(a) === canonicalJson(b);
}
