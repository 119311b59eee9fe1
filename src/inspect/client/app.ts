/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { LiveMessage, PageConfig } from '../protocol.js';
import { getJson } from './api.js';
import { byId, h, toast } from './dom.js';
import { SessionView } from './session.js';
import { SessionsView } from './sessions.js';

/**
 * The inspector page: a hash router over two views (sessions, one session) and one live stream
 * (server-sent events) telling both what other processes wrote.
 */
const main = byId('main');
const liveLabel = byId('live');
// asked for at once, awaited only by the view that needs it (the sessions list does not)
const config: Promise<PageConfig> = getJson<PageConfig>('config');
let sessions: SessionsView | undefined;
let session: SessionView | undefined;
let stream: EventSource | undefined;

function listen(key: string | undefined, version: number): void {
  stream?.close();
  const q = new URLSearchParams();
  if (key !== undefined) {
    q.set('key', key);
    q.set('version', String(version));
  }
  stream = new EventSource(`api/live${q.size > 0 ? `?${q.toString()}` : ''}`);
  stream.onopen = () => {
    liveLabel.textContent = 'live';
    liveLabel.className = 'live on';
  };
  stream.onerror = () => {
    liveLabel.textContent = 'reconnecting…';
    liveLabel.className = 'live off';
  };
  stream.onmessage = (e: MessageEvent<string>) => {
    const m = JSON.parse(e.data) as LiveMessage;
    if (m.kind === 'sessions') sessions?.live(m.sessions);
    else if (m.kind === 'store') storeState(m.ok, m.error);
    else if (m.kind === 'session' && m.deleted) {
      toast(`${m.key} was deleted`);
      session?.deleted();
    } else if (m.kind === 'session') void session?.grew(m.version);
  };
}

/** The live label when the server cannot read the store (polling fails) and when it can again. */
function storeState(ok: boolean, error: string | undefined): void {
  liveLabel.textContent = ok ? 'live' : 'store unreachable';
  liveLabel.className = ok ? 'live on' : 'live error';
  liveLabel.title = ok ? '' : `The store cannot be read: ${error ?? 'unknown error'}. Updates resume when it can.`;
}

/** A fragment part as typed or pasted: a malformed escape (`%`, `%E0%A4%A`) is kept as it is. */
function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

async function route(): Promise<void> {
  session?.dispose();
  session = undefined;
  sessions = undefined;
  const hash = location.hash;
  const s = /^#\/s\/([^/]*)(?:\/(\d+))?$/.exec(hash);
  if (s !== null) {
    const key = decode(s[1] ?? '');
    const view = new SessionView(main, key, await config);
    session = view;
    await view.show(s[2] === undefined ? undefined : Number(s[2]));
    listen(key, view.shown);
    return;
  }
  const prefix = /^#\/\?prefix=(.*)$/.exec(hash)?.[1];
  sessions = new SessionsView(main);
  listen(undefined, 0);
  await sessions.show(prefix === undefined ? '' : decode(prefix));
}

function failed(error: unknown): void {
  main.replaceChildren(h('p', { class: 'empty error' }, `Error: ${error instanceof Error ? error.message : String(error)}`));
}

window.addEventListener('hashchange', () => void route().catch(failed));
window.addEventListener('unhandledrejection', (e) => failed(e.reason));
document.title = `turnlog inspect`;
await route().catch(failed);
document.body.dataset['ready'] = '1';
