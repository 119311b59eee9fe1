/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Page } from 'playwright-core';
import { toolTurn } from '../src/testing/messages.js';

// The package build (npm run build): its inspector serves the page's scripts compiled next to it.
const pkg = new URL('../../dist/src/', import.meta.url);
const { openSessionLog } = (await import(new URL('index.js', pkg).href)) as typeof import('../src/index.js');
const { startInspector } = (await import(new URL('inspect/server.js', pkg).href)) as typeof import('../src/inspect/server.js');

/**
 * The inspector on a large store, in headless Chromium: first paint of the sessions page over
 * 100,000 sessions, of a session of 10,000 messages, a prefix search, and version steps.
 *
 *   npm run build && npm run build:dev && node dist-dev/bench/inspect-paint.js [STORE_DIR] [--sessions N] [--messages N]
 *
 * The store is written once (kept in STORE_DIR, default /tmp/turnlog-inspect-bench) and reused.
 * Each time is taken inside the page (performance.now), from navigation or the click to the
 * frame after the DOM shows the result.
 */
const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(args[i + 1]);
};
const path = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? '/tmp/turnlog-inspect-bench';
const SESSIONS = opt('sessions', 100_000);
const MESSAGES = opt('messages', 10_000);
const BIG = 'big:10k';

const fresh = !existsSync(path);
const log = openSessionLog({ path });
if (fresh) {
  const t0 = performance.now();
  const sessions = SESSIONS - 1;
  for (let i = 0; i < sessions; i += 1000) {
    const batch = [];
    for (let j = i; j < Math.min(sessions, i + 1000); j++) batch.push(log.addMessages(`sess:${String(j).padStart(6, '0')}`, toolTurn(`question ${j}`, `c${j}`)));
    await Promise.all(batch);
  }
  for (let t = 0; t < MESSAGES / 4; t++) {
    await log.addMessages(BIG, toolTurn(`question ${t}`, `call${t}`));
    if (t % 100 === 99) await log.setSummary(BIG, `Summary after ${t + 1} turns.`);
  }
  process.stdout.write(`store written: ${SESSIONS} sessions, ${MESSAGES} messages in ${BIG}, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
const info = await log.getSession(BIG);
const stats = await log.stats();
const inspector = await startInspector(log);
const browser = await chromium.launch({ executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });

/** ms from navigation start until `selector` is in the DOM and the next frame is painted. */
async function paint(page: Page, url: string, selector: string): Promise<{ fcp: number; ready: number }> {
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForSelector(selector);
  return page.evaluate(
    () =>
      new Promise<{ fcp: number; ready: number }>((resolve) =>
        requestAnimationFrame(() => {
          const ready = performance.now();
          const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
          resolve({ fcp, ready });
        }),
      ),
  );
}

/** ms from a click on `button` until the version label changes and the next frame is painted. */
function step(page: Page, button: string): Promise<number> {
  return page.evaluate(
    (b) =>
      new Promise<number>((resolve) => {
        const label = document.querySelector('#vlabel') as HTMLElement;
        const t0 = performance.now();
        const seen = new MutationObserver(() => {
          seen.disconnect();
          requestAnimationFrame(() => resolve(performance.now() - t0));
        });
        seen.observe(label, { childList: true, characterData: true, subtree: true });
        (document.querySelector(b) as HTMLButtonElement).click();
      }),
    button,
  );
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const max = (xs: number[]): number => Math.max(...xs);
const fmt = (xs: number[]): string => `median ${median(xs).toFixed(0)} ms, max ${max(xs).toFixed(0)} ms (${xs.length} runs)`;

try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const list: number[] = [];
  const fcp: number[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await paint(page, inspector.url, 'table.sessions tbody tr');
    list.push(r.ready);
    fcp.push(r.fcp);
  }
  const search: number[] = [];
  for (let i = 0; i < 5; i++) search.push((await paint(page, `${inspector.url}#/?prefix=sess:0999${i}`, 'table.sessions tbody tr[data-key^="sess:0999"]')).ready);
  const open: number[] = [];
  for (let i = 0; i < 5; i++) open.push((await paint(page, `${inspector.url}#/s/${encodeURIComponent(BIG)}`, '#history .msg')).ready);
  const steps: number[] = [];
  for (let i = 0; i < 20; i++) steps.push(await step(page, '#prev'));
  const jumps: number[] = [];
  for (let i = 0; i < 5; i++) jumps.push(await step(page, i % 2 === 0 ? '#first' : '#last'));
  process.stdout.write(
    [
      `store: ${stats.sessions.toLocaleString('en-US')} sessions; ${BIG}: ${info?.messageCount.toLocaleString('en-US')} messages visible, ${info?.version.toLocaleString('en-US')} versions`,
      `sessions page, first contentful paint:  ${fmt(fcp)}`,
      `sessions page, first 50 rows shown:      ${fmt(list)}`,
      `prefix search (page load + rows):        ${fmt(search)}`,
      `${BIG} opened (timeline + newest 200):  ${fmt(open)}`,
      `version step (◀, diff + newest 200):     ${fmt(steps)}`,
      `jump oldest ↔ newest:                    ${fmt(jumps)}`,
    ].join('\n') + '\n',
  );
} finally {
  await browser.close();
  await inspector.close();
  await log.close();
}
