import type { ReplayStep } from '../engine/replay.js';
import type { Message, SessionEvent } from '../types.js';
import { codePoints, fold, isoTime } from './style.js';
import { viewOf } from './render-view.js';
import type { Style } from './style.js';

/**
 * Renderers shared by the CLI and the demo: messages as the model gets them (tool calls as
 * calls, results as results), events as one line each, replay steps as readable diffs. Everything
 * taken from the data goes through `fold` or `safe`: stored text never reaches a terminal raw.
 */

const plain = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');
/** A short value from the data (role, id, tool name) as one safe line. */
const label = (v: unknown): string => fold(plain(v), Infinity);

function roleColour(s: Style, role: string): (t: string) => string {
  if (role === 'user') return s.green;
  if (role === 'assistant') return s.blue;
  if (role === 'tool' || role === 'toolResult') return s.magenta;
  return s.yellow;
}

/** One message, as lines: "role  text", then "→ name(args)" per tool call, "← id" for results. */
export function renderMessage(m: Message, s: Style, width = 100, indent = ''): string[] {
  const lines: string[] = [];
  const v = viewOf(m);
  const role = roleColour(s, v.result ? 'tool' : v.kind)(label(v.kind).padEnd(9));
  if (v.result) lines.push(`${indent}${role} ${s.dim(`← ${label(v.answers ?? '?')}`)} ${fold(v.text, width)}`);
  else if (v.text.length > 0 || v.calls.length === 0) lines.push(`${indent}${role} ${fold(v.text, width)}`);
  for (const c of v.calls) {
    const name = label(c.name ?? '?');
    const args = plain(c.args);
    lines.push(`${indent}${v.text.length > 0 || v.result ? ' '.repeat(10) : role + ' '}${s.cyan(`→ ${name}(${fold(args, width - codePoints(name) - 4)})`)}${c.id === undefined ? '' : s.dim(` ${label(c.id)}`)}`);
  }
  return lines;
}

/** A compact description of an event's payload. */
export function describeEvent(e: SessionEvent): string {
  switch (e.type) {
    case 'messages.added':
      return `${e.messages.length === 1 ? '' : `${e.messages.length} messages: `}${e.messages.map((m) => viewOf(m)).map((v) => `${label(v.kind)}${v.calls.length > 0 ? ` → ${v.calls.map((c) => label(c.name)).join(', ')}` : ''}`).join(', ')} ${fold(viewOf(e.messages[e.messages.length - 1] as Message).text, 50)}`.trimEnd();
    case 'history.replaced':
      return `history replaced by ${e.messages.length} message${e.messages.length === 1 ? '' : 's'}`;
    case 'summary.set':
      return `"${fold(e.summary, 50)}"${e.through === undefined ? '' : ` through v${e.through}`}`;
    case 'history.truncated':
      return `keep last ${e.keepLast}${e.safe ? ' (safe)' : ''} → starts at #${e.start}`;
    case 'metadata.updated':
      return fold(JSON.stringify(e.patch), 70);
    case 'messages.removed':
      return `removed the newest ${e.count} message${e.count === 1 ? '' : 's'} (from #${e.from})`;
    case 'messages.replaced':
      return `replaced the newest ${e.removed} message${e.removed === 1 ? '' : 's'} by ${e.messages.length} (from #${e.from})`;
    case 'session.forked':
      return `${forkOrigin(e)}: ${e.messages.length} message${e.messages.length === 1 ? '' : 's'} (from #${e.from})${e.summary === '' ? '' : ', a summary'}${Object.keys(e.metadata).length === 0 ? '' : `, metadata ${fold(JSON.stringify(e.metadata), 40)}`}`;
  }
}

export function renderEventLine(e: SessionEvent, s: Style): string {
  return `${s.bold(`v${e.version}`.padEnd(6))} ${s.dim(isoTime(e.at))}  ${s.cyan(e.type.padEnd(17))} ${describeEvent(e)}${e.eventId === undefined ? '' : s.dim(` [${label(e.eventId)}]`)}`;
}

/** Where a forked session came from, as the CLI says it: `forked from "src" at v5`. */
export function forkOrigin(e: Extract<SessionEvent, { type: 'session.forked' }>): string {
  return `forked from ${fold(JSON.stringify(e.forkedFrom.key), 60)} at v${e.forkedFrom.version}`;
}

/** A replay step as a readable diff of the projection. */
export function renderReplayStep(step: ReplayStep, s: Style, width = 90): string[] {
  const lines = [`${s.bold(`v${step.event.version}`)} ${s.dim(isoTime(step.event.at))} ${s.cyan(step.event.type)}${step.event.eventId === undefined ? '' : s.dim(` [${label(step.event.eventId)}]`)}`];
  if (step.event.type === 'session.forked') lines.push(`  ${s.yellow(forkOrigin(step.event))}`);
  for (const m of step.removed) for (const l of renderMessage(m, s, width - 4)) lines.push(s.red(`  - `) + l);
  for (const m of step.added) for (const l of renderMessage(m, s, width - 4)) lines.push(s.green(`  + `) + l);
  if (step.summaryChanged) lines.push(`  ${s.yellow('~ summary:')} ${fold(step.summary, width - 12)}`);
  if (step.event.type === 'metadata.updated') lines.push(`  ${s.yellow('~ metadata:')} ${fold(JSON.stringify(step.event.patch), width - 13)}`);
  if (step.event.type === 'session.forked' && Object.keys(step.event.metadata).length > 0) lines.push(`  ${s.yellow('~ metadata:')} ${fold(JSON.stringify(step.event.metadata), width - 13)}`);
  if (step.event.type === 'history.truncated' && step.removed.length === 0) lines.push(s.dim('  (nothing cut)'));
  lines.push(s.dim(`  = ${step.messageCount} message${step.messageCount === 1 ? '' : 's'} visible`));
  return lines;
}
