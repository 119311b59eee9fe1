/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { PageConfig, VersionView } from '../protocol.js';
import { postJson } from './api.js';
import { copyText, h, isoTime, shellQuote, toast } from './dom.js';
import { getJson } from './api.js';

/** The column beside the history: the version's event, its diff, summary and metadata, CLI commands, actions. */
export function sidePanel(view: VersionView, config: PageConfig, forked: (key: string) => void): HTMLElement {
  const side = h('div', { class: 'side' });
  side.append(eventPanel(view), diffPanel(view), statePanel(view), cliPanel(view, config), actionsPanel(view, config, forked));
  return side;
}

function eventPanel(view: VersionView): HTMLElement {
  const e = view.event;
  return h(
    'section',
    { class: 'panel', id: 'event' },
    h('h2', {}, `Version ${view.version}`),
    e === undefined
      ? h('div', { class: 'dim' }, view.version === 0 ? 'Before the first event.' : 'This event was collected by GC.')
      : h(
          'div',
          {},
          h('div', { class: 'mono' }, e.type),
          h('div', { class: 'dim' }, isoTime(e.at)),
          h('div', {}, e.line),
          e.forkedFrom === undefined ? null : h('a', { id: 'lineage', dir: 'auto', href: `#/s/${encodeURIComponent(e.forkedFrom.key)}/${e.forkedFrom.version}` }, `Open ${e.forkedFrom.key} at v${e.forkedFrom.version}`),
          e.eventId === undefined ? null : h('div', { class: 'dim mono' }, `eventId ${e.eventId}`),
        ),
    h('div', { class: 'note' }, `${view.messageCount} message${view.messageCount === 1 ? '' : 's'} sent to the model at this version`),
  );
}

function diffPanel(view: VersionView): HTMLElement {
  const d = view.diff;
  const panel = h('section', { class: 'panel diff', id: 'diff' }, h('h2', {}, d === undefined ? 'Changes' : `Changes from v${d.from}`));
  if (d === undefined) {
    panel.append(h('div', { class: 'dim' }, 'No earlier version to compare with.'));
    return panel;
  }
  const list = h('ul');
  for (const line of d.removed) list.append(h('li', { class: 'del' }, `− ${line}`));
  for (const line of d.added) list.append(h('li', { class: 'add' }, `+ ${line}`));
  if (d.summary !== undefined) list.append(h('li', { class: 'add' }, `~ summary: ${d.summary.after}`));
  for (const m of d.metadata) {
    const change = m.after === undefined ? `${JSON.stringify(m.before)} → (deleted)` : m.before === undefined ? JSON.stringify(m.after) : `${JSON.stringify(m.before)} → ${JSON.stringify(m.after)}`;
    list.append(h('li', { class: m.after === undefined ? 'del' : 'add' }, `~ metadata.${m.key}: ${change}`));
  }
  if (list.childElementCount === 0) list.append(h('li', { class: 'dim' }, 'Nothing the model sees changed.'));
  panel.append(list);
  return panel;
}

function statePanel(view: VersionView): HTMLElement {
  const keys = Object.keys(view.metadata);
  return h(
    'section',
    { class: 'panel', id: 'state' },
    h('h2', {}, 'Metadata at this version'),
    keys.length === 0 ? h('div', { class: 'dim' }, 'none') : h('pre', { id: 'metadata' }, JSON.stringify(view.metadata, null, 2)),
  );
}

function cliPanel(view: VersionView, config: PageConfig): HTMLElement {
  const store = config.storeArgs.map(shellQuote).join(' ');
  const k = shellQuote(view.key);
  const tail = store === '' ? '' : ` ${store}`;
  const commands = [
    `${config.command} history ${k} --at ${view.version}${tail}`,
    ...(view.version > 1 ? [`${config.command} diff ${k} --from ${view.version - 1} --to ${view.version}${tail}`] : []),
    `${config.command} fork ${k} ${shellQuote(`${view.key}-fork`)} --at ${view.version}${tail}`,
  ];
  const panel = h('section', { class: 'panel', id: 'cli' }, h('h2', {}, 'From the command line'));
  for (const c of commands) {
    const copy = h('button', { title: 'Copy' }, 'Copy');
    copy.addEventListener('click', () => void copyText(c).then(() => toast('Command copied')));
    panel.append(h('div', { class: 'cmd' }, h('code', { dir: 'auto' }, c), copy));
  }
  return panel;
}

function actionsPanel(view: VersionView, config: PageConfig, forked: (key: string) => void): HTMLElement {
  const copy = h('button', { id: 'copy-json' }, 'Copy this version as JSON');
  copy.addEventListener('click', () => {
    void getJson<unknown>('version-json', { key: view.key, version: view.version })
      .then((v) => copyText(JSON.stringify(v, null, 2)))
      .then(() => toast(`v${view.version} copied as JSON`), (e: unknown) => toast(`Copy failed: ${String(e)}`));
  });
  const panel = h('section', { class: 'panel', id: 'actions' }, h('h2', {}, 'Actions'), h('div', { class: 'actions' }, copy));
  if (!config.allowWrites) {
    panel.append(h('div', { class: 'note' }, 'Read-only. Start with --allow-writes to fork from this page.'));
    return panel;
  }
  const name = h('input', { type: 'text', id: 'fork-key', value: `${view.key}-fork` });
  const fork = h('button', { class: 'primary', id: 'fork' }, `Fork at v${view.version}`);
  fork.addEventListener('click', () => {
    fork.disabled = true;
    void postJson<{ key: string; version: number }>('fork', { key: view.key, newKey: name.value, atVersion: view.version }).then(
      (r) => {
        toast(`Forked into ${r.key}`);
        forked(r.key);
      },
      (e: unknown) => {
        fork.disabled = false;
        toast(`Fork failed: ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  });
  panel.append(h('div', { class: 'actions' }, name, fork));
  return panel;
}
