import { expect, it } from 'vitest';
import type { StoreHarnessFactory } from './harness.js';
import { perTestStore } from './per-test.js';
import { expectCode, noiseText } from './messages.js';
import { everyEventType } from './fork.js';

const HOUR = 3_600_000;

/** getSessionSize on every store: what one session occupies, and only that session. */
export function sizeConformance(factory: StoreHarnessFactory): void {
  const t = perTestStore(factory);
  const open = t.open;

  it('is undefined for an unknown key, and holds at least what was written (compressed: 70% of text that does not compress)', async () => {
    const log = await open();
    expect(await log.getSessionSize('none')).toBeUndefined();
    let written = 0;
    for (let i = 1; i <= 12; i++) {
      const text = noiseText(`k${i}`, 240);
      await log.addMessage('k', 'user', text);
      written += text.length;
      const size = await log.getSessionSize('k');
      expect(size?.events).toBe(i);
      // A store may compress what it seals and drop a sealed event's copy of it: base64 text
      // compresses to about 3/4 at best.
      expect(size?.bytes ?? 0, `after append ${i}`).toBeGreaterThan(0.7 * written);
    }
    await expectCode(() => log.getSessionSize(''), 'INVALID_ARGUMENT');
    await expectCode(() => log.getSessionSize(42 as unknown as string), 'INVALID_ARGUMENT');
  });

  it('counts one session only: another session of any size leaves it unchanged', async () => {
    const log = await open();
    await log.addMessages('a', [{ role: 'user', content: 'hello' }]);
    const alone = await log.getSessionSize('a');
    for (let i = 0; i < 10; i++) await log.addMessage('b', 'user', noiseText(`b${i}`, 1000));
    expect(await log.getSessionSize('a')).toEqual(alone);
    expect((await log.getSessionSize('b'))?.bytes).toBeGreaterThan(7_000);
    // Reopened, the same records give the same size.
    await log.close();
    await expectCode(() => log.getSessionSize('a'), 'CLOSED');
    expect(await (await open()).getSessionSize('a')).toEqual(alone);
  });

  it('shrinks when GC collects events outside the replay window, and the expired session is gone', async () => {
    const keep = await open({ replayWindow: Infinity });
    const head = await everyEventType(keep, 'k');
    for (let i = 0; i < 20; i++) await keep.addMessage('k', 'user', `more ${i} `.repeat(30));
    await keep.addMessage('idle', 'user', 'x');
    const full = await keep.getSessionSize('k');
    expect(full?.events).toBe(head + 20);
    await keep.close();
    t.now += 2 * HOUR;
    const log = await open({ replayWindow: 0, ttl: '1h' });
    await log.addMessage('k', 'user', 'keeps it alive');
    const grown = await log.getSessionSize('k');
    // Not more bytes: an append that checkpoints may leave the events it sealed smaller.
    expect(grown?.events).toBe((full?.events ?? 0) + 1);
    const report = await log.gc();
    expect(report.eventsRemoved).toBeGreaterThan(0);
    expect(report.sessionsExpired).toBe(1);
    const after = await log.getSessionSize('k');
    expect(after?.events).toBeLessThan(grown?.events ?? 0);
    expect(after?.bytes).toBeLessThan(grown?.bytes ?? 0);
    expect(after?.bytes).toBeGreaterThan(0);
    expect(await log.getSessionSize('idle')).toBeUndefined();
  });

  it('a deleted session is unknown; the key written again starts from a new, small size', async () => {
    const log = await open();
    for (let i = 0; i < 10; i++) await log.addMessage('k', 'user', 'y'.repeat(500));
    const big = await log.getSessionSize('k');
    expect(await log.deleteSession('k')).toBe(true);
    expect(await log.getSessionSize('k')).toBeUndefined();
    await log.addMessage('k', 'user', 'again');
    const fresh = await log.getSessionSize('k');
    expect(fresh?.events).toBe(1);
    expect(fresh?.bytes).toBeLessThan((big?.bytes ?? 0) / 4);
  });

  it('a fork holds its first event and the copied view; the source does not change', async () => {
    const log = await open();
    await everyEventType(log, 'src');
    for (let i = 0; i < 8; i++) await log.addMessage('src', 'user', `long ${i} `.repeat(40));
    const source = await log.getSessionSize('src');
    await log.forkSession('src', 'fork');
    expect(await log.getSessionSize('src')).toEqual(source);
    const fork = await log.getSessionSize('fork');
    expect(fork?.events).toBe(1);
    // At least the copied history's text, at most what the source holds with its older events.
    const copied = JSON.stringify(await log.getHistory('fork')).length;
    expect(fork?.bytes).toBeGreaterThan(copied);
    expect(fork?.bytes).toBeLessThan(source?.bytes ?? 0);
  });
}
