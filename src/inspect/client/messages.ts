/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { ShownMessage } from '../protocol.js';
import { h } from './dom.js';

const ROLE_CLASS: Record<string, string> = { user: 'user', assistant: 'assistant', model: 'assistant', system: 'system', developer: 'system', tool: 'tool', toolResult: 'tool' };

/** Pretty JSON for a tool argument given as a JSON string; the string itself otherwise. */
function args(text: string): string {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? JSON.stringify(v, null, 1).replace(/\n\s*/g, ' ') : text;
  } catch {
    return text;
  }
}

/** Scrolls to message #index and flashes it (a pair link). */
function jump(index: number): void {
  const el = document.querySelector(`.msg[data-index="${index}"]`);
  if (el === null) return;
  el.scrollIntoView({ block: 'center', behavior: 'smooth' });
  el.classList.add('flash');
  window.setTimeout(() => el.classList.remove('flash'), 1200);
}

/**
 * One message as a bubble: who, what it says, the calls it makes (monospace), the call it
 * answers, its pairs (links), an orphan flag, and the stored JSON exactly (collapsed). Every
 * piece of it is text.
 */
export function messageBubble(m: ShownMessage, added: boolean): HTMLElement {
  const cls = ['msg', m.result ? 'tool' : (ROLE_CLASS[m.kind] ?? 'other'), m.orphan ? 'orphan' : '', added ? 'added' : ''].filter(Boolean).join(' ');
  const head = h('div', { class: 'msg-head' }, h('span', { class: 'msg-role' }, m.kind), h('span', {}, `#${m.index}`));
  if (m.answers !== undefined) head.append(h('span', { class: 'mono' }, `← ${m.answers}`));
  for (const p of m.pairs) {
    const link = h('a', { class: 'pairlink', href: `#pair-${p}`, title: p < m.index ? 'the call this answers' : 'a result of this call' }, p < m.index ? `↖ call #${p}` : `↘ result #${p}`);
    link.addEventListener('click', (e) => {
      e.preventDefault();
      jump(p);
    });
    head.append(link);
  }
  if (m.orphan) head.append(h('span', { class: 'badge bad', title: 'No call before it in this history answers to this result: a model API refuses the request (HTTP 400).' }, 'orphan result'));
  if (m.callEarlier) head.append(h('span', { class: 'badge', title: 'Its call is in earlier messages, not loaded.' }, 'call earlier'));
  if (m.unanswered.length > 0) head.append(h('span', { class: 'badge warn', title: 'No result for this call in the history (yet).' }, `no result: ${m.unanswered.join(', ')}`));
  if (added) head.append(h('span', { class: 'badge good' }, 'new in this version'));
  const body = h('div', { class: cls, data: { index: String(m.index), role: m.kind } }, head);
  const raw = h('details', { class: 'raw' }, h('summary', {}, 'stored JSON'), h('pre', { class: 'raw-json' }, JSON.stringify(m.message, null, 2)));
  // a text or arguments cut by the server: the whole is in the stored JSON, sent once
  const showAll = (chars: number): HTMLElement => {
    const b = h('button', { class: 'show-all' }, `Show all ${chars.toLocaleString('en-US')} characters`);
    b.addEventListener('click', () => {
      raw.open = true;
      raw.scrollIntoView({ block: 'nearest' });
    });
    return b;
  };
  if (m.text.length > 0) body.append(h('div', { class: 'msg-text', dir: 'auto' }, m.text, m.textChars === undefined ? '' : '…'), m.textChars === undefined ? '' : showAll(m.textChars));
  for (const c of m.calls) body.append(h('div', { class: 'call', dir: 'auto' }, `→ ${c.name}(${c.argsChars === undefined ? args(c.args) : `${c.args}…`})`, c.id === undefined ? '' : h('span', { class: 'dim' }, `  ${c.id}`)), c.argsChars === undefined ? '' : showAll(c.argsChars));
  body.append(raw);
  return body;
}
