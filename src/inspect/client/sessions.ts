/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { SessionRow, SessionsPage, SizesPage } from '../protocol.js';
import { getJson } from './api.js';
import { ago, byId, clear, h, humanBytes, isoTime } from './dom.js';

const PAGE = 50;
/** Keys per `api/sizes` request (the server takes up to 100), and a bound on its URL: long keys split a page into a few requests. */
const SIZE_KEYS = 100;
const SIZE_URL_CHARS = 6000;

/** The sessions list: newest first, prefix search, paging by cursor; live rows arrive on top. */
export class SessionsView {
  private prefix = '';
  /** Cursors of the pages before this one (for "Previous"); the first page has none. */
  private readonly cursors: Array<string | undefined> = [];
  private cursor: string | undefined;
  private next: string | undefined;
  private body: HTMLTableSectionElement | undefined;
  private searchTimer: number | undefined;
  private loads = 0;

  constructor(private readonly root: HTMLElement) {}

  async show(prefix: string): Promise<void> {
    this.prefix = prefix;
    const search = h('input', { type: 'search', id: 'search', placeholder: 'Search sessions by key prefix…', value: prefix });
    search.addEventListener('input', () => {
      window.clearTimeout(this.searchTimer);
      this.searchTimer = window.setTimeout(() => {
        history.replaceState(null, '', search.value === '' ? '#/' : `#/?prefix=${encodeURIComponent(search.value)}`);
        this.prefix = search.value;
        this.cursors.length = 0;
        void this.load(undefined);
      }, 150);
    });
    this.body = h('tbody');
    clear(this.root);
    this.root.append(
      h('div', { class: 'toolbar' }, search, h('span', { class: 'dim', id: 'count' })),
      h('table', { class: 'sessions' }, h('thead', {}, h('tr', {}, h('th', {}, 'Key'), h('th', { class: 'num' }, 'Version'), h('th', { class: 'num' }, 'Messages'), h('th', {}, 'Last activity'), h('th', { class: 'num', title: 'What the session\'s records occupy in the store (getSessionSize)' }, 'Size'), h('th', {}, 'Summary'))), this.body),
      h('div', { class: 'pager' }, h('button', { id: 'prev' }, '← Previous'), h('button', { id: 'next' }, 'Next →'), h('span', { class: 'dim', id: 'page' })),
    );
    byId('prev').addEventListener('click', () => void this.load(this.cursors.pop()));
    byId('next').addEventListener('click', () => {
      this.cursors.push(this.cursor);
      void this.load(this.next);
    });
    search.focus();
    await this.load(undefined);
  }

  private async load(cursor: string | undefined): Promise<void> {
    const n = ++this.loads;
    let page = await getJson<SessionsPage>('sessions', { limit: PAGE, prefix: this.prefix || undefined, cursor });
    // a request examines a bounded part of the store: an empty page with a cursor means "not here
    // yet", never "no match". Ask on, saying so, until rows come or the listing ends.
    for (let asked = 1; page.sessions.length === 0 && page.cursor !== undefined; asked++) {
      if (n !== this.loads || this.body === undefined) return;
      clear(this.body);
      this.body.append(h('tr', {}, h('td', { class: 'empty', id: 'searching' }, `Searching… (${asked} request${asked === 1 ? '' : 's'}, no match yet)`)));
      page = { ...(await getJson<SessionsPage>('sessions', { limit: PAGE, prefix: this.prefix || undefined, cursor: page.cursor })), ...(page.store === undefined ? {} : { store: page.store }) };
    }
    if (n !== this.loads || this.body === undefined) return;
    this.cursor = cursor;
    this.next = page.cursor;
    clear(this.body);
    for (const s of page.sessions) this.body.append(row(s));
    // Sizes read each session's records: the rows show first, sizes fill in after.
    void this.fillSizes(page.sessions.map((s) => s.key), n);
    if (page.sessions.length === 0) this.body.append(h('tr', {}, h('td', { class: 'empty' }, this.prefix ? 'No session key starts with that.' : 'No sessions yet.')));
    if (page.store !== undefined) byId('store').textContent = `${page.store.sessions.toLocaleString('en-US')} sessions · ${(page.store.logBytes / 1048576).toFixed(1)} MB of log`;
    (byId('prev') as HTMLButtonElement).disabled = this.cursors.length === 0 && cursor === undefined;
    (byId('next') as HTMLButtonElement).disabled = page.cursor === undefined;
    byId('page').textContent = `page ${this.cursors.length + 1}`;
  }

  /** Sessions just written to: on the first page, moved (or added) to the top. */
  live(rows: readonly SessionRow[]): void {
    if (this.body === undefined || this.cursor !== undefined) return;
    for (const s of [...rows].reverse()) {
      if (!s.key.startsWith(this.prefix)) continue;
      for (const tr of this.body.querySelectorAll('tr')) if (tr.dataset['key'] === s.key) tr.remove();
      this.body.querySelector('td.empty')?.parentElement?.remove();
      const tr = row(s);
      tr.classList.add('fresh');
      this.body.prepend(tr);
    }
    while (this.body.rows.length > PAGE) this.body.rows[this.body.rows.length - 1]?.remove();
    void this.fillSizes(rows.map((s) => s.key).filter((k) => k.startsWith(this.prefix)), this.loads);
  }

  /** Asks the sizes of these rows' sessions and writes them in, unless another page was loaded meanwhile. */
  private async fillSizes(keys: readonly string[], load: number): Promise<void> {
    for (const batch of sizeBatches(keys)) {
      let page: SizesPage;
      try {
        page = await getJson<SizesPage>('sizes', { key: batch });
      } catch {
        continue; // the cells keep their placeholder
      }
      if (load !== this.loads || this.body === undefined) return;
      const byKey = new Map(page.sizes.map((s) => [s.key, s]));
      for (const tr of this.body.rows) {
        const size = byKey.get(tr.dataset['key'] ?? '');
        const cell = tr.querySelector<HTMLTableCellElement>('td.size');
        if (size === undefined || cell === null) continue;
        cell.textContent = humanBytes(size.bytes);
        cell.title = `${size.bytes.toLocaleString('en-US')} bytes · ${size.events.toLocaleString('en-US')} events kept`;
        cell.dataset['bytes'] = String(size.bytes);
      }
    }
  }
}

/** The keys in requests of at most SIZE_KEYS keys and about SIZE_URL_CHARS characters of query. */
function sizeBatches(keys: readonly string[]): string[][] {
  const out: string[][] = [];
  let batch: string[] = [];
  let chars = 0;
  for (const key of keys) {
    const len = encodeURIComponent(key).length + 5;
    if (batch.length > 0 && (batch.length >= SIZE_KEYS || chars + len > SIZE_URL_CHARS)) {
      out.push(batch);
      batch = [];
      chars = 0;
    }
    batch.push(key);
    chars += len;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

function row(s: SessionRow): HTMLTableRowElement {
  const link = h('a', { href: `#/s/${encodeURIComponent(s.key)}`, class: 'mono', dir: 'auto' }, s.key);
  return h(
    'tr',
    { data: { key: s.key } },
    h('td', {}, link),
    h('td', { class: 'num' }, s.version),
    h('td', { class: 'num' }, s.messageCount),
    h('td', { title: isoTime(s.updatedAt) }, ago(s.updatedAt)),
    h('td', { class: 'num dim size', title: 'reading the size…' }, '…'),
    h('td', { class: 'summary', title: s.summary }, s.summary),
  );
}
