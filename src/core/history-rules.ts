/**
 * History rules: where a cut lands. Pure functions over positions; `roleAt` gives the role of the
 * message at an absolute position inside the visible range [start, next).
 */

/** `keepLast` as picoclaw does it: n ≤ 0 keeps none, n ≥ count keeps all. Returns the new start. */
export function plainCut(start: number, next: number, keepLast: number): number {
  const count = next - start;
  const keep = Math.max(0, Math.min(count, keepLast));
  return next - keep;
}

/**
 * A cut that splits no turn: moved back to the nearest user message at or before the plain cut;
 * when there is none, forward to the next one after it; when there is no user message at all
 * after the cut either, everything goes (any other cut could orphan a tool result).
 * Cutting at `start` (keep all) or `next` (keep none) is always safe.
 */
export function safeCut(start: number, next: number, keepLast: number, roleAt: (pos: number) => string): number {
  const cut = plainCut(start, next, keepLast);
  if (cut === start || cut === next) return cut;
  for (let i = cut; i >= start; i--) if (roleAt(i) === 'user') return i;
  for (let i = cut + 1; i < next; i++) if (roleAt(i) === 'user') return i;
  return next;
}

/**
 * `setSummary(…, { through })`: every message added at or before `through` goes, never later
 * ones — unless the first message kept would be a tool result, whose call would then be cut (a
 * summariser that read the history between a tool call and its result). Then the cut moves
 * back to the user message that opened that turn (or keeps everything when there is none): a
 * few summarised messages stay visible, and no request is ever sent with an orphaned result.
 */
export function throughCut(start: number, next: number, nextAtThrough: number, roleAt: (pos: number) => string): number {
  const cut = Math.max(start, nextAtThrough);
  if (cut >= next || !isToolResultRole(roleAt(cut))) return cut;
  for (let i = cut - 1; i >= start; i--) if (roleAt(i) === 'user') return i;
  return start;
}

/** Roles that carry a tool's result (OpenAI-style `tool`, pi-agent-style `toolResult`). */
export function isToolResultRole(role: string): boolean {
  return role === 'tool' || role === 'toolResult';
}

/**
 * Tool-call pairing check: true when a tool result in `messages` answers no call made by an
 * earlier assistant message in the same list (what a model API rejects). Exported for callers;
 * the tests, the demo and the benchmark's summariser scenario use it (`verify` does not: it
 * compares re-folded state, not message pairing).
 */
export function hasOrphanToolResult(messages: ReadonlyArray<{ role: string; [k: string]: unknown }>): boolean {
  const open = new Set<string>();
  for (const m of messages) {
    const calls = m['tool_calls'];
    if (m.role === 'assistant' && Array.isArray(calls)) {
      for (const c of calls) if (c && typeof c === 'object' && typeof (c as { id?: unknown }).id === 'string') open.add((c as { id: string }).id);
    }
    if (m.role === 'tool') {
      const id = m['tool_call_id'];
      if (typeof id !== 'string' || !open.has(id)) return true;
    }
  }
  return false;
}
