/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { EventLine, EventsPage } from '../protocol.js';
import { getJson } from './api.js';
import { clear, h, isoTime } from './dom.js';

/** The event timeline of a session, newest first, paged backwards; a click selects a version. */
export class Timeline {
  readonly list = h('ul', { class: 'timeline', id: 'timeline' });
  readonly more = h('button', { id: 'older' }, 'Older events');
  private readonly events = new Map<number, EventLine>();
  private before: number | undefined;
  private current = -1;

  constructor(
    private readonly key: string,
    private readonly select: (version: number) => void,
  ) {
    this.more.addEventListener('click', () => void this.older());
  }

  /** The newest page (again): new events are added on top. */
  async refresh(): Promise<EventsPage> {
    const page = await getJson<EventsPage>('events', { key: this.key, limit: 100 });
    if (this.events.size === 0) this.before = page.before;
    this.add(page.events);
    return page;
  }

  /** Forgets every event (the session was deleted and written again), then reads the newest page. */
  async reset(): Promise<EventsPage> {
    this.events.clear();
    this.before = undefined;
    this.current = -1;
    return this.refresh();
  }

  private async older(limit = 100): Promise<void> {
    if (this.before === undefined) return;
    const page = await getJson<EventsPage>('events', { key: this.key, limit, before: this.before });
    this.before = page.before;
    this.add(page.events);
  }

  /** Loads the older pages down to `version` (a version shown that is not loaded yet), then highlights it. */
  async reveal(version: number): Promise<void> {
    this.current = version;
    // each step reads up to 1,000 events, down to a little below the version (its neighbours show too)
    while (!this.events.has(version) && this.before !== undefined && version < this.before && this.current === version) {
      await this.older(Math.min(1000, this.before - version + 20));
    }
    if (this.current === version) this.mark(version);
  }

  private add(events: readonly EventLine[]): void {
    for (const e of events) this.events.set(e.version, e);
    clear(this.list);
    for (const e of [...this.events.values()].sort((a, b) => b.version - a.version)) this.list.append(this.item(e));
    this.more.hidden = this.before === undefined;
    this.mark(this.current);
  }

  private item(e: EventLine): HTMLLIElement {
    const cut = e.cutAt !== undefined;
    const li = h(
      'li',
      { class: cut ? 'cut' : '', data: { version: String(e.version) }, title: `${isoTime(e.at)}${cut ? ` · the history starts at message position ${e.cutAt}` : ''}` },
      h('div', { class: 'ev-head' }, h('span', { class: 'ev-v' }, `v${e.version}`), h('span', { class: 'ev-type' }, e.type), h('span', { class: 'dim' }, isoTime(e.at).slice(11, 19))),
      h('div', { class: 'ev-line' }, e.line),
    );
    li.addEventListener('click', () => this.select(e.version));
    return li;
  }

  /** Highlights the version shown. */
  mark(version: number): void {
    this.current = version;
    for (const li of this.list.querySelectorAll('li')) li.classList.toggle('current', li.dataset['version'] === String(version));
    const el = this.list.querySelector('li.current');
    if (el !== null && 'scrollIntoView' in el) (el as HTMLElement).scrollIntoView({ block: 'nearest' });
  }
}
