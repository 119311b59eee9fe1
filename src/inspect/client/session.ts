/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { PageConfig, ShownMessage, VersionView } from '../protocol.js';
import { getJson } from './api.js';
import { clear, h, isoTime } from './dom.js';
import { messageBubble } from './messages.js';
import { sidePanel } from './side.js';
import { Timeline } from './timeline.js';

const CUTS = new Set(['summary.set', 'history.truncated']);
const ADDS = new Set(['messages.added', 'messages.replaced', 'history.replaced']);

/** One session: version control, timeline, the history at the version shown, and the side panel. */
export class SessionView {
  private version = 0;
  private latest = 0;
  private oldest = 1;
  private limit: number;
  private loads = 0;
  /** The version last asked for: steps count from it, not from the one still shown (fast key presses). */
  private target = 0;
  /** The request of the step in flight, cancelled when a later step overtakes it. */
  private inflight: AbortController | undefined;
  /** The session was deleted while shown: the next version seen is a new session. */
  private gone = false;
  /** The message the reader was on when "earlier" was clicked, and where it was in the viewport. */
  private anchor: { index: string; offset: number } | undefined;
  private readonly timeline: Timeline;
  private readonly slider = h('input', { type: 'range', id: 'slider', min: '0', max: '0', value: '0' });
  private readonly label = h('span', { class: 'vlabel', id: 'vlabel' });
  private readonly first = h('button', { id: 'first', title: 'Oldest version (Home)' }, '|◀');
  private readonly prev = h('button', { id: 'prev', title: 'Previous version (←)' }, '◀');
  private readonly next = h('button', { id: 'next', title: 'Next version (→)' }, '▶');
  private readonly last = h('button', { id: 'last', title: 'Newest version (End)' }, '▶|');
  private readonly follow = h('span', { class: 'badge', id: 'follow' });
  private readonly history = h('div', { class: 'history', id: 'history' });
  private readonly side = h('div');
  private readonly onKey = (e: KeyboardEvent): void => this.key(e);

  constructor(
    private readonly root: HTMLElement,
    private readonly sessionKey: string,
    private readonly config: PageConfig,
  ) {
    this.limit = config.pageSize;
    this.timeline = new Timeline(sessionKey, (v) => void this.go(v));
  }

  async show(version: number | undefined): Promise<void> {
    const page = await this.timeline.refresh();
    this.latest = page.latest;
    this.oldest = page.oldest;
    clear(this.root);
    this.root.append(
      h('div', { class: 'session-head' }, h('a', { href: '#/' }, '← Sessions'), h('h1', { id: 'key', dir: 'auto' }, this.sessionKey), this.follow),
      h('div', { class: 'versionbar' }, this.first, this.prev, this.slider, this.next, this.last, this.label),
      h('div', { class: 'layout' }, h('section', { class: 'panel' }, h('h2', {}, 'Timeline'), this.timeline.list, this.timeline.more), h('div', {}, this.history), this.side),
    );
    this.first.addEventListener('click', () => void this.go(this.oldest));
    this.prev.addEventListener('click', () => void this.go(this.target - 1));
    this.next.addEventListener('click', () => void this.go(this.target + 1));
    this.last.addEventListener('click', () => void this.go(this.latest));
    this.slider.addEventListener('input', () => void this.go(Number(this.slider.value)));
    document.addEventListener('keydown', this.onKey);
    await this.go(version ?? this.latest);
  }

  /** Stops listening to the keyboard (the view is being left). */
  dispose(): void {
    document.removeEventListener('keydown', this.onKey);
  }

  get shown(): number {
    return this.version;
  }

  private key(e: KeyboardEvent): void {
    const t = e.target as HTMLElement | null;
    if (t !== null && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA') && t !== this.slider) return;
    if (t === this.slider) return; // the slider moves itself and says so with 'input'
    const to = e.key === 'ArrowLeft' ? this.target - 1 : e.key === 'ArrowRight' ? this.target + 1 : e.key === 'Home' ? this.oldest : e.key === 'End' ? this.latest : undefined;
    if (to === undefined || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    void this.go(to);
  }

  /** Shows version `v` (clamped to what can be read). */
  async go(v: number): Promise<void> {
    if (this.gone) return; // nothing left to show until the key is written again
    const version = Math.max(this.oldest, Math.min(this.latest, v));
    const n = ++this.loads;
    this.target = version;
    this.inflight?.abort(); // a later step overtakes this one: its answer is not waited for
    const request = (this.inflight = new AbortController());
    let view: VersionView;
    try {
      view = await getJson<VersionView>('view', { key: this.sessionKey, version, limit: this.limit }, request.signal);
    } catch (error) {
      if (n !== this.loads) return; // cancelled by a later step
      throw error;
    }
    if (n !== this.loads) return; // a later step overtook this one
    this.render(view);
  }

  /** The session was deleted (live): said on the page; its next version is a new session. */
  deleted(): void {
    this.gone = true;
    this.loads++; // a step in flight would show a version that no longer exists
    this.inflight?.abort();
    clear(this.history);
    this.history.append(h('p', { class: 'empty error', id: 'deleted' }, 'This session was deleted. If it is written to again, the new session is shown here.'));
    clear(this.side);
    for (const b of [this.first, this.prev, this.next, this.last]) b.disabled = true;
    this.slider.disabled = true;
    this.follow.textContent = 'deleted';
    this.follow.className = 'badge bad';
  }

  /** A new version written by someone: followed when the newest was shown. */
  async grew(latest: number): Promise<void> {
    if (this.gone || latest < this.latest) {
      // deleted and written again: another session under the same key, from its first version
      this.gone = false;
      this.slider.disabled = false;
      this.limit = this.config.pageSize;
      const page = await this.timeline.reset();
      this.latest = page.latest;
      this.oldest = page.oldest;
      await this.go(this.latest);
      return;
    }
    const following = this.version === this.latest;
    this.latest = Math.max(this.latest, latest);
    await this.timeline.refresh();
    if (following) await this.go(this.latest);
    else this.bar();
  }

  private bar(): void {
    this.slider.min = String(this.oldest);
    this.slider.max = String(this.latest);
    this.slider.value = String(this.version);
    this.label.textContent = `v${this.version} of ${this.latest}`;
    this.first.disabled = this.prev.disabled = this.version <= this.oldest;
    this.next.disabled = this.last.disabled = this.version >= this.latest;
    this.follow.textContent = this.version === this.latest ? 'live · newest version' : `${this.latest - this.version} newer version${this.latest - this.version === 1 ? '' : 's'}`;
    this.follow.className = this.version === this.latest ? 'badge good' : 'badge';
  }

  private render(view: VersionView): void {
    this.version = view.version;
    this.latest = Math.max(this.latest, view.latest);
    this.oldest = view.oldest;
    this.bar();
    history.replaceState(null, '', `#/s/${encodeURIComponent(this.sessionKey)}/${view.version}`);
    void this.timeline.reveal(view.version);
    this.renderHistory(view);
    clear(this.side);
    this.side.append(sidePanel(view, this.config, (k) => (location.hash = `#/s/${encodeURIComponent(k)}`)));
  }

  private renderHistory(view: VersionView): void {
    clear(this.history);
    const added = view.diff !== undefined && view.event !== undefined && ADDS.has(view.event.type) ? view.diff.added.length : 0;
    if (view.firstIndex > 0) {
      const more = h('button', { id: 'earlier' }, `Load ${Math.min(this.config.pageSize, view.firstIndex)} earlier messages`);
      more.addEventListener('click', () => {
        this.anchor = this.readingAt();
        this.limit += this.config.pageSize;
        void this.go(this.version);
      });
      this.history.append(h('div', { class: 'marker dim' }, `${view.firstIndex} earlier message${view.firstIndex === 1 ? '' : 's'} not shown · `, more));
    }
    // a cut at this version: what it took away, then where it fell
    if (view.event !== undefined && CUTS.has(view.event.type) && view.diff !== undefined && view.diff.removed.length > 0) {
      for (const line of view.diff.removed) this.history.append(h('div', { class: 'cut-away' }, h('s', {}, line)));
      this.history.append(h('div', { class: 'marker', id: 'cut' }, `✂ v${view.version} ${view.event.type} cut here${view.event.cutAt === undefined ? '' : ` (the history now starts at position ${view.event.cutAt})`}: ${view.diff.removed.length} message${view.diff.removed.length === 1 ? '' : 's'} above are no longer sent`));
    }
    if (view.summary !== '') this.history.append(h('div', { class: 'summary-card', id: 'summary' }, h('div', { class: 'msg-head' }, h('span', { class: 'msg-role' }, 'summary'), h('span', {}, 'sent before the history')), view.summary));
    view.messages.forEach((m: ShownMessage, i) => this.history.append(messageBubble(m, i >= view.messages.length - added)));
    if (view.messages.length === 0) this.history.append(h('p', { class: 'empty' }, `No messages at v${view.version}${view.event ? ` (${isoTime(view.event.at)})` : ''}.`));
    // show what this version changed: where a cut fell, else the newest messages
    const anchor = this.anchor;
    this.anchor = undefined;
    const kept = anchor === undefined ? null : this.history.querySelector(`.msg[data-index="${anchor.index}"]`);
    const cut = this.history.querySelector('#cut');
    // earlier messages were added above: the one being read stays where it was
    if (anchor !== undefined && kept instanceof HTMLElement) this.history.scrollTop += kept.getBoundingClientRect().top - this.history.getBoundingClientRect().top - anchor.offset;
    else if (cut instanceof HTMLElement) this.history.scrollTop = Math.max(0, cut.offsetTop - this.history.offsetTop - 160);
    else this.history.scrollTop = this.history.scrollHeight;
  }

  /** The first message in view, and how far below the top of the history it is. */
  private readingAt(): { index: string; offset: number } | undefined {
    const top = this.history.getBoundingClientRect().top;
    for (const el of this.history.querySelectorAll<HTMLElement>('.msg')) {
      const r = el.getBoundingClientRect();
      if (r.bottom > top) return { index: el.dataset['index'] ?? '', offset: r.top - top };
    }
    return undefined;
  }
}
