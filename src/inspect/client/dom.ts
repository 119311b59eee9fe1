/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The page's only way to build DOM: elements from a tag, a few attributes and children, where a
 * string child becomes a text node. There is no way to set HTML, and a link's href can only be a
 * fragment of this page: stored text (which users and tools wrote) never becomes markup or a URL.
 */
export type Child = Node | string | number | false | null | undefined;

export interface Attrs {
  class?: string;
  title?: string;
  id?: string;
  type?: string;
  value?: string;
  placeholder?: string;
  /** Only a fragment of this page (`#/…`): anything else is dropped. */
  href?: string;
  min?: string;
  max?: string;
  disabled?: boolean;
  data?: Record<string, string>;
  /** `auto`: the element's text is isolated and takes its own direction (keys, stored text). */
  dir?: 'auto';
}

/**
 * Invisible code points that change how text reads without showing themselves: bidi embeddings,
 * overrides, isolates and marks (U+202E makes `rtl\u202egnp.exe` look like `rtlexe.png`), zero
 * widths and the BOM. Stored text is untrusted, so each is shown as a visible `\u202e` escape, as
 * `turnlog sessions` prints them; everything else is shown as it is.
 */
const INVISIBLE = /[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** Stored text as the page shows it: invisible controls as `\uXXXX` escapes. */
export function visible(s: string): string {
  return s.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs.class !== undefined) el.className = attrs.class;
  if (attrs.title !== undefined) el.title = visible(attrs.title);
  if (attrs.dir !== undefined) el.dir = attrs.dir;
  if (attrs.id !== undefined) el.id = attrs.id;
  if (attrs.href !== undefined && attrs.href.startsWith('#')) el.setAttribute('href', attrs.href);
  for (const name of ['type', 'value', 'placeholder', 'min', 'max'] as const) {
    const v = attrs[name];
    if (v !== undefined) el.setAttribute(name, v);
  }
  if (attrs.disabled === true) el.setAttribute('disabled', '');
  for (const [k, v] of Object.entries(attrs.data ?? {})) el.dataset[k] = v;
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === false || c === null || c === undefined) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(visible(String(c))) : c);
  }
}

export function clear(el: Element): void {
  el.replaceChildren();
}

export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing`);
  return el as T;
}

let toastTimer: number | undefined;

/** A short note in the corner. */
export function toast(text: string): void {
  document.querySelector('.toast')?.remove();
  const el = h('div', { class: 'toast', data: { role: 'toast' } }, text);
  document.body.append(el);
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => el.remove(), 2500);
}

/** "3 min ago", for times from the writer's clock. */
export function ago(at: number, now = Date.now()): string {
  const s = Math.round((now - at) / 1000);
  if (s < 0) return 'in the future';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** "812 B", "12.4 kB", "3.1 MB": decimal units, three significant digits at most. */
export function humanBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let n = bytes / 1000;
  let unit = 0;
  while (n >= 999.95 && unit < units.length - 1) {
    n /= 1000;
    unit++;
  }
  return `${n < 99.95 ? n.toFixed(1) : Math.round(n)} ${units[unit]}`;
}

export function isoTime(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * A word for the shell: quoted unless it is plainly safe. A word holding control or invisible
 * characters is written in ANSI-C quoting (`$'rtl\u202egnp'`, bash and zsh): the command reads as
 * what it is, and pasted into a shell it still names the same key.
 */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_./:@%+=-]+$/.test(s)) return s;
  if (!UNPRINTABLE.test(s)) return `'${s.replace(/'/g, `'\\''`)}'`;
  const escape = (c: string): string => {
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  };
  return `$'${s.replace(/[\\']/g, (c) => `\\${c}`).replace(UNPRINTABLE_ALL, escape)}'`;
}

/** Controls, line separators and the invisible code points: what ANSI-C quoting writes as escapes. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const UNPRINTABLE_ALL = new RegExp(UNPRINTABLE.source, 'g');

/** Copies text; falls back to a selected text area where the clipboard API is refused. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const area = h('textarea');
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}
