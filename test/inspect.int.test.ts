import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { browserAvailable, launchBrowser, serveInspector } from './support/browser.js';
import type { ServedInspector } from './support/browser.js';
import { tempDir } from './support/harness.js';
import { http } from './support/http.js';
import { assertBuilt, DIST_ENTRY, ROOT, runNode } from './support/processes.js';
import { humanBytes } from '../src/inspect/client/dom.js';

/**
 * The inspector end to end: `turnlog inspect` (the built CLI) over a store the demo wrote, driven
 * by a real headless Chromium. TURNLOG_SCREENSHOTS=DIR saves the docs' screenshots there.
 */
const CLI = join(ROOT, 'dist/src/cli/main.js');
const DEMO = join(ROOT, 'dist-dev/src/demo/main.js');
const SHOTS = process.env['TURNLOG_SCREENSHOTS'];
const run = browserAvailable();

/** Payloads a user or a tool could put in a message: none of them may run in the page. */
const PAYLOADS = [
  '<script>window.__pwned = 1; alert(1)</script>',
  '<img src=x onerror="window.__pwned = 1; alert(1)">',
  '[click me](javascript:window.__pwned=1)',
  'javascript:window.__pwned=1',
  '"><svg onload="window.__pwned=1">',
  '</pre></details><iframe src="javascript:alert(1)"></iframe>',
];
const XSS_KEY = 'xss:<img src=x onerror="window.__pwned=1">';

let dir: string;
let path: string;
let log: SessionLog;
let browser: Browser;
let ro: ServedInspector;

/** Another process writes, as an agent would. */
async function appendElsewhere(key: string, text: string): Promise<void> {
  const script = `import { openSessionLog } from ${JSON.stringify(DIST_ENTRY)};
const log = openSessionLog({ path: ${JSON.stringify(path)}, create: false });
await log.addMessage(${JSON.stringify(key)}, 'user', ${JSON.stringify(text)});
await log.close();`;
  const r = await runNode(['--input-type=module', '-e', script]);
  expect(r.stderr).toBe('');
}

const label = (page: Page): Promise<string | null> => page.textContent('#vlabel');

/** Waits until the version control shows `v{version} of …`. */
async function shown(page: Page, version: number): Promise<void> {
  await page.waitForFunction((v) => document.querySelector('#vlabel')?.textContent?.startsWith(`v${v} of`) === true, version);
}

/** The messages the page shows, as the stored JSON each bubble holds. */
function historyShown(page: Page): Promise<unknown[]> {
  return page.$$eval('#history .msg pre.raw-json', (pres) => pres.map((p) => JSON.parse(p.textContent ?? 'null') as unknown));
}

async function openSession(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}#/?prefix=${encodeURIComponent(key)}`);
  await page.locator('table.sessions tbody tr', { hasText: key }).first().locator('a').click();
  await page.waitForSelector('#vlabel:not(:empty)');
}

describe.skipIf(!run)('turnlog inspect in a browser', () => {
  beforeAll(async () => {
    assertBuilt();
    dir = tempDir();
    path = join(dir, 'store');
    const demo = await runNode([DEMO], { env: { ...process.env, TURNLOG_PATH: path } });
    expect(demo.code, demo.stderr).toBe(0);
    log = openSessionLog({ path, create: false });
    await log.updateMetadata(XSS_KEY, { note: PAYLOADS[1], [PAYLOADS[0] as string]: PAYLOADS[2] });
    for (const p of PAYLOADS) await log.addMessage(XSS_KEY, 'user', p);
    await log.addFullMessage(XSS_KEY, { role: 'assistant', content: '', tool_calls: [{ id: PAYLOADS[1], type: 'function', function: { name: PAYLOADS[0], arguments: PAYLOADS[4] } }] });
    await log.addFullMessage(XSS_KEY, { role: 'tool', tool_call_id: PAYLOADS[1], content: PAYLOADS[5] });
    await log.setSummary(XSS_KEY, PAYLOADS.join(' '));
    browser = await launchBrowser();
    ro = await serveInspector(CLI, ['--path', path]);
  });
  afterAll(async () => {
    await browser?.close();
    await ro?.stop();
    await log?.close();
  });

  it('finds a session by search and steps through its versions with the buttons and keys: each shows exactly getHistory at that version', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${ro.url}#/?prefix=demo:`);
    await page.waitForSelector('table.sessions tbody tr');
    await page.waitForFunction(() => [...document.querySelectorAll('table.sessions tbody td.size')].every((td) => td instanceof HTMLElement && td.dataset['bytes'] !== undefined));
    if (SHOTS !== undefined) await shot(page, 'inspect-sessions.png');
    await page.fill('#search', 'demo:telegram:1002');
    await page.waitForFunction(() => document.querySelectorAll('table.sessions tbody tr').length === 1);
    await page.click('table.sessions tbody tr a');
    await page.waitForSelector('#vlabel:not(:empty)');
    const key = 'demo:telegram:1002';
    const latest = (await log.getSession(key))?.version ?? 0;
    await shown(page, latest);
    let v = latest;
    const steps: Array<() => Promise<void>> = [() => page.click('#prev'), () => page.keyboard.press('ArrowLeft'), () => page.click('#prev'), () => page.keyboard.press('ArrowLeft')];
    for (let i = 0; i < 12; i++) {
      await (steps[i % steps.length] as () => Promise<void>)();
      v--;
      await shown(page, v);
      expect(await historyShown(page), `v${v}`).toEqual(await log.getHistory(key, { atVersion: v }));
      const summary = await log.getSummary(key, { atVersion: v });
      expect((await page.textContent('#history'))?.includes(summary)).toBe(true);
    }
    await page.keyboard.press('ArrowRight');
    await shown(page, v + 1);
    await page.click('#next');
    await shown(page, v + 2);
    expect(await historyShown(page)).toEqual(await log.getHistory(key, { atVersion: v + 2 }));
    await page.keyboard.press('Home');
    await shown(page, 1);
    expect(await historyShown(page)).toEqual(await log.getHistory(key, { atVersion: 1 }));
    await page.click(`#timeline li[data-version="${latest - 20}"]`);
    await shown(page, latest - 20);
    expect(await historyShown(page)).toEqual(await log.getHistory(key, { atVersion: latest - 20 }));
    // the matching CLI commands are shown beside the view
    expect(await page.textContent('#cli')).toContain(`turnlog diff ${key} --from ${latest - 21} --to ${latest - 20} --path ${path}`);
    await page.close();
  });

  it('shows the rows first, then each row\'s size from one request for the page: exactly getSessionSize', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // Sizes are held back until the rows are checked: the list must not wait for them.
    const requests: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/sizes?*', async (route) => {
      requests.push(route.request().url());
      await held;
      await route.continue();
    });
    await page.goto(ro.url);
    await page.waitForSelector('table.sessions tbody tr[data-key]');
    const keys = await page.$$eval('table.sessions tbody tr[data-key]', (trs) => trs.map((tr) => (tr as HTMLElement).dataset['key'] ?? ''));
    expect(keys.length).toBeGreaterThan(3);
    expect(await page.$$eval('table.sessions tbody td.size', (tds) => tds.map((td) => td.textContent))).toEqual(keys.map(() => '…'));
    release();
    await page.waitForFunction(() => [...document.querySelectorAll('table.sessions tbody td.size')].every((td) => td instanceof HTMLElement && td.dataset['bytes'] !== undefined));
    expect(requests).toHaveLength(1);
    expect(new URL(requests[0] as string).searchParams.getAll('key')).toEqual(keys);
    const cells = await page.$$eval('table.sessions tbody tr[data-key]', (trs) => trs.map((tr) => ({ text: tr.querySelector('td.size')?.textContent, title: tr.querySelector('td.size')?.getAttribute('title') })));
    for (const [i, key] of keys.entries()) {
      const size = await log.getSessionSize(key);
      expect(size, key).toBeDefined();
      expect(cells[i], key).toEqual({ text: humanBytes(size?.bytes ?? 0), title: `${size?.bytes.toLocaleString('en-US')} bytes · ${size?.events.toLocaleString('en-US')} events kept` });
    }
    await page.close();
  });

  it('shows a summary cut where it fell, tool pairs, and the screenshots of the docs', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const key = 'demo:telegram:1000';
    let cut: number | undefined;
    for await (const e of log.readEvents(key)) if (e.type === 'summary.set' && e.through !== undefined) cut = e.version;
    expect(cut).toBeDefined();
    await page.goto(`${ro.url}#/s/${encodeURIComponent(key)}/${cut}`);
    await shown(page, cut as number);
    expect(await page.textContent('#cut')).toMatch(new RegExp(`✂ v${cut} summary\\.set cut here \\(the history now starts at position \\d+\\): \\d+ messages? above are no longer sent`));
    expect(await page.textContent('#summary')).toContain(await log.getSummary(key, { atVersion: cut }));
    await page.click('#next');
    await shown(page, (cut as number) + 1);
    // every tool call shown with its result links to it, and the result back
    const links = await page.$$eval('#history .msg .pairlink', (as) => as.map((a) => [a.closest('.msg')?.getAttribute('data-index'), a.textContent]));
    expect(links.length).toBeGreaterThan(0);
    for (const [from, text] of links) {
      const to = /#(\d+)/.exec(text ?? '')?.[1];
      expect(await page.$(`#history .msg[data-index="${to}"] .pairlink:text("#${from}")`)).not.toBeNull();
    }
    expect(await page.locator('#history .msg.orphan').count()).toBe(0);
    if (SHOTS !== undefined) {
      await page.goto(`${ro.url}#/s/${encodeURIComponent(key)}/${cut}`);
      await shown(page, cut as number);
      await shot(page, 'inspect-session.png');
      const dark = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
      await dark.goto(`${ro.url}#/s/${encodeURIComponent(key)}/${(cut as number) + 2}`);
      await shown(dark, (cut as number) + 2);
      await shot(dark, 'inspect-session-dark.png');
      await dark.close();
    }
    await page.close();
  });

  it('copies a version as JSON: the whole history, summary and metadata at that version', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(ro.url).origin });
    const page = await context.newPage();
    const key = 'demo:telegram:1001';
    await page.goto(`${ro.url}#/s/${encodeURIComponent(key)}/30`);
    await shown(page, 30);
    await page.click('#copy-json');
    await page.waitForSelector('[data-role="toast"]');
    const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as unknown;
    const info = await log.getSession(key, { atVersion: 30 });
    expect(copied).toEqual({ key, version: 30, summary: info?.summary, metadata: info?.metadata, messages: await log.getHistory(key, { atVersion: 30 }) });
    await context.close();
  });

  it('shows a version appended by another process, on the session and on the sessions list', async () => {
    const page = await browser.newPage();
    const key = 'demo:telegram:1003';
    await openSession(page, ro.url, key);
    const before = (await log.getSession(key))?.version ?? 0;
    await shown(page, before);
    await appendElsewhere(key, 'a message from another process');
    await shown(page, before + 1);
    expect((await historyShown(page)).at(-1)).toEqual({ role: 'user', content: 'a message from another process' });
    await page.goto(`${ro.url}#/`);
    await page.waitForSelector('table.sessions tbody tr');
    await appendElsewhere('live:new', 'hello');
    await page.waitForSelector('table.sessions tbody tr[data-key="live:new"]');
    // a row that arrives live gets its size too
    await page.waitForSelector('table.sessions tbody tr[data-key="live:new"] td.size[data-bytes]');
    expect(await page.getAttribute('table.sessions tbody tr[data-key="live:new"] td.size', 'data-bytes')).toBe(String((await log.getSessionSize('live:new'))?.bytes));
    expect(await page.textContent('table.sessions tbody tr:first-child')).toContain('live:new');
    await page.close();
  });

  it('runs nothing stored in a message, summary, metadata or key: it is all shown as text', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const dialogs: string[] = [];
    const requests: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${ro.url}#/?prefix=xss`);
    await page.waitForSelector('table.sessions tbody tr[data-key^="xss:"]');
    await page.click('table.sessions tbody tr[data-key^="xss:"] a');
    const latest = (await log.getSession(XSS_KEY))?.version ?? 0;
    await shown(page, latest);
    for (let v = latest; v > 1; v--) {
      await page.keyboard.press('ArrowLeft');
      await shown(page, v - 1);
    }
    await page.keyboard.press('End');
    await shown(page, latest);
    await page.click('#history .msg .pairlink');
    for (const det of await page.$$('details')) await det.evaluate((d) => ((d as HTMLDetailsElement).open = true));
    const text = (await page.textContent('#main')) ?? '';
    for (const p of PAYLOADS) expect(text).toContain(p);
    expect(await page.textContent('#key')).toBe(XSS_KEY);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(await page.$$('#main img, #main script, #main iframe, #main svg')).toHaveLength(0);
    expect(await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')).filter((h) => !(h ?? '').startsWith('#')))).toEqual([]);
    expect(requests.filter((u) => !u.startsWith(ro.url))).toEqual([]);
    await page.close();
  });

  it('refuses requests without the token or with another Host, over real HTTP', async () => {
    const token = new URL(ro.url).pathname;
    expect((await http(ro.port, `${token}api/sessions`)).status).toBe(200);
    expect((await http(ro.port, '/api/sessions')).status).toBe(403);
    expect((await http(ro.port, `/t/${'A'.repeat(43)}/api/sessions`)).status).toBe(403);
    expect((await http(ro.port, `${token}api/sessions`, { headers: { host: `rebind.example:${ro.port}` } })).status).toBe(421);
    expect((await http(ro.port, `${token}api/sessions`, { headers: { host: `localhost:${ro.port}` } })).status).toBe(421);
  });

  it('is read-only without --allow-writes: no fork button, and a POST is refused', async () => {
    const page = await browser.newPage();
    await openSession(page, ro.url, 'demo:telegram:1004');
    expect(await page.$('#fork')).toBeNull();
    expect(await page.textContent('#actions')).toContain('Read-only');
    const token = new URL(ro.url).pathname;
    const r = await http(ro.port, `${token}api/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'demo:telegram:1004', newKey: 'stolen', atVersion: 3 }) });
    expect(r.status).toBe(405);
    expect(await log.getSession('stolen')).toBeUndefined();
    await page.close();
  });

  it('forks from the page with --allow-writes: the new session is the source at that version', async () => {
    const rw = await serveInspector(CLI, ['--path', path, '--allow-writes']);
    try {
      const page = await browser.newPage();
      const key = 'demo:telegram:1005';
      await page.goto(`${rw.url}#/s/${encodeURIComponent(key)}/20`);
      await shown(page, 20);
      await page.fill('#fork-key', 'forked:1005');
      await page.click('#fork');
      await page.waitForFunction(() => document.querySelector('#key')?.textContent === 'forked:1005');
      expect(await log.getHistory('forked:1005')).toEqual(await log.getHistory(key, { atVersion: 20 }));
      expect(await log.getSummary('forked:1005')).toBe(await log.getSummary(key, { atVersion: 20 }));
      // the fork's first event names where it came from, and links back to it
      await shown(page, 1);
      expect(await historyShown(page)).toEqual(await log.getHistory(key, { atVersion: 20 }));
      await page.click('#lineage');
      await page.waitForFunction((k) => document.querySelector('#key')?.textContent === k, key);
      await shown(page, 20);
      await page.close();
    } finally {
      await rw.stop();
    }
  });
});

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForSelector('#live.on'); // the live stream is connected
  mkdirSync(SHOTS as string, { recursive: true });
  await page.screenshot({ path: join(SHOTS as string, name) });
}
