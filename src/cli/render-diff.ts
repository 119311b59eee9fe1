import type { SessionDiff } from '../types.js';
import { renderMessage } from './render.js';
import { fold, safe } from './style.js';
import type { Style } from './style.js';

const json = (v: unknown): string => JSON.stringify(v) ?? 'undefined';

/**
 * A diff as lines: a header, removed messages (`-`) and added ones (`+`) with their positions,
 * then the summary and each metadata field that changed. Data goes through `fold`/`safe`.
 */
export function renderDiff(d: SessionDiff, s: Style, width: number): string[] {
  const count = (n: number): string => `${n} message${n === 1 ? '' : 's'}`;
  const lines = [`${s.bold(safe(d.key))} ${s.dim(`v${d.fromVersion} → v${d.toVersion} · ${count(d.messageCount.before)} → ${count(d.messageCount.after)}`)}`];
  const message = (sign: string, colour: (t: string) => string, position: number, m: SessionDiff['added'][number]['message']): void => {
    for (const [i, l] of renderMessage(m, s, width - 10).entries()) lines.push(`${colour(i === 0 ? `${sign} ` : '  ')}${s.dim((i === 0 ? `#${position}` : '').padEnd(7))} ${l}`);
  };
  for (const r of d.removed) message('-', s.red, r.position, r.message);
  for (const a of d.added) message('+', s.green, a.position, a.message);
  if (d.summary !== undefined) {
    const text = (t: string): string => (t === '' ? s.dim('(none)') : fold(t, width - 14));
    lines.push(`${s.yellow('~ summary')}  ${s.red('-')} ${text(d.summary.before)}`);
    lines.push(`           ${s.green('+')} ${text(d.summary.after)}`);
  }
  const { added, removed, changed } = d.metadata;
  for (const [k, v] of Object.entries(removed)) lines.push(`${s.yellow('~ metadata')} ${s.red('-')} ${fold(k, 40)}: ${fold(json(v), width - 20)}`);
  for (const [k, v] of Object.entries(added)) lines.push(`${s.yellow('~ metadata')} ${s.green('+')} ${fold(k, 40)}: ${fold(json(v), width - 20)}`);
  for (const [k, c] of Object.entries(changed)) lines.push(`${s.yellow('~ metadata')} ${s.yellow('~')} ${fold(k, 40)}: ${fold(json(c.before), (width - 24) / 2)} → ${fold(json(c.after), (width - 24) / 2)}`);
  if (lines.length === 1) lines.push(s.dim('  (no change)'));
  return lines;
}
