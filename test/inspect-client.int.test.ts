import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SessionLog } from '../src/engine/session-log.js';
import type { Inspector, InspectorOptions } from '../src/inspect/server.js';
import { browserAvailable, launchBrowser } from './support/browser.js';
import { assertBuilt, DIST_ENTRY } from './support/processes.js';

/**
 * The inspector page's behaviour in a real Chromium, over an in-process store the test changes
 * (deletes, re-creates, takes down): the built library, so the page's scripts are served.
 */
type Lib = { openMemorySessionLog: () => SessionLog; startInspector: (log: SessionLog, o?: InspectorOptions) => Promise<Inspector> };
const run = browserAvailable();
let lib: Lib;
let browser: Browser;
let page: Page;
let ins: Inspector | undefined;
let errors: string[];

async function serve(log: SessionLog, options: InspectorOptions = {}): Promise<string> {
  ins = await lib.startInspector(log, { pollMs: 50, ...options });
  return ins.url;
}

const label = (): Promise<string | null> => page.textContent('#vlabel');
const shown = (v: number, of?: number): Promise<unknown> =>
  page.waitForFunction(([v, of]) => document.querySelector('#vlabel')?.textContent === (of === null ? undefined : `v${v} of ${of}`) || (of === null && document.querySelector('#vlabel')?.textContent?.startsWith(`v${v} of`) === true), [v, of ?? null] as const);

describe.skipIf(!run)('inspector page behaviour', () => {
  beforeAll(async () => {
    assertBuilt();
    lib = (await import(DIST_ENTRY)) as Lib;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await page?.close();
    await ins?.close();
    ins = undefined;
    expect(errors).toEqual([]);
  });
  const open = async (url: string): Promise<void> => {
    errors = [];
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
  };

  it('a malformed escape in the address (#/?prefix=%) is searched for as typed, not an error', async () => {
    const log = lib.openMemorySessionLog();
    await log.addMessage('100%', 'user', 'hi');
    await open(`${await serve(log)}#/?prefix=%`);
    await page.waitForSelector('body[data-ready="1"]');
    await page.waitForFunction(() => document.querySelector('table.sessions tbody')?.textContent === 'No session key starts with that.');
    expect(await page.$eval('#search', (e) => (e as HTMLInputElement).value)).toBe('%');
    await page.evaluate(() => (location.hash = '#/s/%E0%A4%A'));
    await page.waitForFunction(() => document.querySelector('#main')?.textContent?.includes('Error') === true);
    expect(await page.textContent('#main')).toBe('Error: no such session'); // the key as typed: not in this store
    await page.evaluate(() => (location.hash = '#/?prefix=100%'));
    await page.waitForSelector('#search');
    expect(await page.$eval('#search', (e) => (e as HTMLInputElement).value)).toBe('100%');
    await page.waitForSelector('table.sessions tbody a');
    expect(await page.textContent('table.sessions tbody a')).toBe('100%');
  });

  it('a prefix search asks on while the listing has a cursor: "searching…", then the match; never "no match" before the end', async () => {
    const log = lib.openMemorySessionLog();
    await log.addMessage('zzrare:1', 'user', 'the only match');
    for (let i = 0; i < 5; i++) await log.addMessage(`sess:${i}`, 'user', 'q');
    // a store whose prefix listing examines a bounded part per call: 30 calls find nothing, with a cursor
    let empty = 0;
    const scanning = new Proxy(log, {
      get(target, p, receiver) {
        if (p !== 'listSessions') return Reflect.get(target, p, receiver) as unknown;
        return async (o: { prefix?: string; cursor?: string; limit?: number }) => {
          if (o.prefix === undefined || empty >= 30) return target.listSessions(o.cursor?.startsWith('scan') === true ? { ...o, cursor: undefined } : o);
          empty++;
          return { sessions: [], cursor: `scan${empty}` };
        };
      },
    });
    const seen: string[] = [];
    await open(await serve(scanning));
    await page.waitForSelector('body[data-ready="1"]');
    await page.exposeFunction('__seen', (t: string) => seen.push(t));
    await page.evaluate(() => new MutationObserver(() => void (window as unknown as { __seen: (t: string) => void }).__seen(document.querySelector('table.sessions tbody')?.textContent ?? '')).observe(document.body, { childList: true, subtree: true, characterData: true }));
    await page.fill('#search', 'zzrare');
    await page.waitForFunction(() => document.querySelector('table.sessions tbody a')?.textContent === 'zzrare:1');
    expect(await page.$$eval('table.sessions tbody a', (as) => as.map((a) => a.textContent))).toEqual(['zzrare:1']);
    expect(seen.some((t) => t.startsWith('Searching…'))).toBe(true);
    expect(seen.filter((t) => t.includes('No session key starts with that'))).toEqual([]);
    await page.fill('#search', 'nothing-has-this');
    await page.waitForFunction(() => document.querySelector('table.sessions tbody')?.textContent === 'No session key starts with that.');
  });

  it('invisible and bidi characters in keys, metadata, summaries and commands are shown as escapes, isolated', async () => {
    const log = lib.openMemorySessionLog();
    const key = 'rtl\u202Egnp.exe';
    await log.addMessage(key, 'user', 'zw\u200Btext \u2066iso\u2069');
    await log.updateMetadata(key, { '\u202Eevil': 'abc' });
    await log.setSummary(key, 'sum\u202Emary');
    await open(await serve(log));
    await page.waitForSelector('table.sessions tbody a');
    expect(await page.textContent('table.sessions tbody a')).toBe('rtl\\u202egnp.exe');
    expect(await page.getAttribute('table.sessions tbody a', 'dir')).toBe('auto');
    await page.click('table.sessions tbody a');
    await page.waitForSelector('#cli code');
    expect(await page.textContent('#key')).toBe('rtl\\u202egnp.exe');
    expect(await page.getAttribute('#key', 'dir')).toBe('auto');
    const texts = await page.$$eval('#main *', (els) => els.flatMap((e) => [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent ?? '')));
    expect(texts.filter((t) => /[\u200b-\u200f\u202a-\u202e\u2066-\u2069]/.test(t))).toEqual([]);
    expect(await page.textContent('#metadata')).toContain('\\u202eevil');
    expect(await page.textContent('.msg-text')).toBe('zw\\u200btext \\u2066iso\\u2069');
    const cmds = await page.$$eval('#cli code', (cs) => cs.map((c) => c.textContent));
    expect(cmds[0]).toBe("turnlog history $'rtl\\u202egnp.exe' --at 3");
  });

  it('a session deleted while shown says so; written again, the page shows the new session from its versions', async () => {
    const log = lib.openMemorySessionLog();
    for (let i = 0; i < 5; i++) await log.addMessage('d', 'user', `m${i}`);
    await open(`${await serve(log)}#/s/d`);
    await shown(5, 5);
    await page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live');
    await log.deleteSession('d');
    await page.waitForSelector('#deleted');
    await log.addMessage('d', 'user', 'reborn');
    await shown(1, 1);
    expect(await page.$$eval('#history .msg-text', (e) => e.map((x) => x.textContent))).toEqual(['reborn']);
    expect(await page.$$eval('#timeline li', (l) => l.map((x) => (x as HTMLElement).dataset['version']))).toEqual(['1']);
  });

  it('"Load earlier messages" keeps the message being read where it was', async () => {
    const log = lib.openMemorySessionLog();
    await log.addMessages('long', Array.from({ length: 300 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i}` })));
    await open(`${await serve(log)}#/s/long`);
    await page.waitForSelector('#earlier');
    await page.evaluate(() => (document.querySelector('#history') as HTMLElement).scrollTop = 0);
    const before = await page.evaluate(() => {
      const m = document.querySelector('#history .msg') as HTMLElement;
      return { index: m.dataset['index'], top: m.getBoundingClientRect().top };
    });
    expect(before.index).toBe('100');
    await page.click('#earlier');
    await page.waitForFunction(() => (document.querySelector('#history .msg') as HTMLElement | null)?.dataset['index'] === '0');
    const after = await page.evaluate((i) => document.querySelector(`#history .msg[data-index="${i}"]`)?.getBoundingClientRect().top, before.index);
    expect(Math.abs((after ?? 1e9) - before.top)).toBeLessThan(2);
  });

  it('fast steps are all counted: five ← pressed before any answer comes go five versions back', async () => {
    const log = lib.openMemorySessionLog();
    for (let i = 0; i < 10; i++) await log.addMessage('k', 'user', `m${i}`);
    await open(`${await serve(log)}#/s/k`);
    await shown(10, 10);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    await page.route('**/api/view?**', async (route) => {
      await gate;
      await route.continue().catch(() => undefined); // a cancelled request has no one to answer
    });
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
    release();
    await shown(5, 10);
    expect(await page.evaluate(() => location.hash)).toBe('#/s/k/5');
  });

  it('the timeline loads the page of events that holds the version shown, and highlights it', async () => {
    const log = lib.openMemorySessionLog();
    for (let i = 0; i < 250; i++) await log.addMessage('t', 'user', `m${i}`);
    await open(`${await serve(log)}#/s/t/3`);
    await shown(3, 250);
    await page.waitForSelector('#timeline li.current');
    expect(await page.$$eval('#timeline li.current', (l) => l.map((x) => (x as HTMLElement).dataset['version']))).toEqual(['3']);
    expect(await label()).toBe('v3 of 250');
  });

  it('a store that cannot be read turns the live label to an error, reported once, and back when it can', async () => {
    const log = lib.openMemorySessionLog();
    await log.addMessage('k', 'user', 'hi');
    let down = false;
    // Failed polls are counted, so the test waits for them instead of for a stretch of time.
    let failures = 0;
    const waiting: Array<{ count: number; wake: () => void }> = [];
    const failuresReach = (count: number): Promise<void> => new Promise((wake) => (failures >= count ? wake() : waiting.push({ count, wake })));
    const flaky = new Proxy(log, {
      get(target, p, receiver) {
        if (down && (p === 'listSessions' || p === 'getSession')) {
          return () => {
            failures++;
            for (const w of waiting) if (failures >= w.count) w.wake();
            return Promise.reject(new Error('connection refused'));
          };
        }
        return Reflect.get(target, p, receiver) as unknown;
      },
    });
    const reported: string[] = [];
    await open(await serve(flaky, { onError: (e) => reported.push(String(e)), onRecovered: () => reported.push('recovered') }));
    await page.waitForFunction(() => document.querySelector('#live')?.textContent === 'live');
    down = true;
    await page.waitForSelector('#live.error');
    expect(await page.textContent('#live')).toBe('store unreachable');
    // many more polls fail while the page shows the error: still one report
    await failuresReach(failures + 5);
    expect(reported).toEqual(['Error: connection refused']);
    down = false;
    await page.waitForSelector('#live.on');
    expect(reported).toEqual(['Error: connection refused', 'recovered']);
  });
});
