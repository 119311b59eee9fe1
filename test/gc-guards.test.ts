import { describe, expect, it } from 'vitest';
import { openMemorySessionLog } from '../src/open.js';
import { MAX_TIMER_MS, parseDuration } from '../src/core/duration.js';
import { expiryLimit, EXPIRE_GUARD_FLOOR } from '../src/core/gc-plan.js';
import { expectCode } from './support/messages.js';

const DAY = 86_400_000;

describe('durations are checked against what they feed', () => {
  it('an autoGc interval a Node timer cannot wait for is INVALID_ARGUMENT naming the option', async () => {
    for (const interval of ['25d', '30d', '4w', 2 ** 31, '2147483648ms', `${'9'.repeat(400)}w`]) {
      const error = await expectCode(() => openMemorySessionLog({ autoGc: { interval } }), 'INVALID_ARGUMENT');
      expect(error.message).toContain('autoGc.interval');
    }
    for (const interval of ['24d', MAX_TIMER_MS, '1s']) {
      const log = openMemorySessionLog({ autoGc: { interval } });
      await log.close();
    }
  });

  it('ttl and replayWindow must be finite and exact in ms (Infinity only where it means never)', async () => {
    const huge = `${'9'.repeat(400)}d`;
    expect((await expectCode(() => openMemorySessionLog({ ttl: huge }), 'INVALID_ARGUMENT')).message).toContain('ttl');
    expect((await expectCode(() => openMemorySessionLog({ replayWindow: huge }), 'INVALID_ARGUMENT')).message).toContain('replayWindow');
    await expectCode(() => openMemorySessionLog({ ttl: Number.MAX_SAFE_INTEGER * 2 }), 'INVALID_ARGUMENT');
    expect(parseDuration('x', Infinity, true)).toBe(Infinity);
    expect(parseDuration('x', '30d')).toBe(30 * DAY);
    expect(() => parseDuration('x', '25d', false, MAX_TIMER_MS)).toThrow(/x must be at most/);
  });

  it('maxExpireShare is a number from 0 to 1', async () => {
    for (const bad of [-0.1, 1.5, Number.NaN, '0.5', Infinity]) await expectCode(() => openMemorySessionLog({ maxExpireShare: bad as number }), 'INVALID_ARGUMENT');
    const log = openMemorySessionLog();
    await expectCode(log.gc({ maxExpireShare: 2 }), 'INVALID_ARGUMENT');
    await log.close();
  });
});

describe('a clock jump does not expire the store', () => {
  async function store(sessions: number, clock: { now: number }) {
    const log = openMemorySessionLog({ ttl: '30d', clock: () => clock.now });
    for (let i = 0; i < sessions; i++) await log.addMessage(`s${i}`, 'user', `hello ${i}`);
    return log;
  }

  it('a clock a year ahead expires nothing and says how many sessions were held back', async () => {
    const clock = { now: 1_700_000_000_000 };
    const log = await store(100, clock);
    clock.now += 365 * DAY;
    const dry = await log.gc({ dryRun: true });
    expect(dry).toMatchObject({ sessionsExpired: 0, expiryHeldBack: 100 });
    const report = await log.gc();
    expect(report).toMatchObject({ sessionsExpired: 0, expiryHeldBack: 100 });
    expect((await log.stats()).sessions).toBe(100);
    expect(await log.getHistory('s7')).toEqual([{ role: 'user', content: 'hello 7' }]);
    // Said explicitly, the same run expires them.
    expect(await log.gc({ maxExpireShare: 1 })).toMatchObject({ sessionsExpired: 100, expiryHeldBack: 0 });
    expect((await log.stats()).sessions).toBe(0);
    await log.close();
  });

  it('ordinary expiry of a minority, and of a small store, goes ahead', async () => {
    const clock = { now: 1_700_000_000_000 };
    const log = await store(30, clock);
    clock.now += 31 * DAY;
    for (let i = 0; i < 70; i++) await log.addMessage(`new${i}`, 'user', 'hi');
    expect(await log.gc()).toMatchObject({ sessionsExpired: 30, expiryHeldBack: 0 });
    await log.close();

    const small = await store(EXPIRE_GUARD_FLOOR, clock);
    clock.now += 31 * DAY;
    expect(await small.gc()).toMatchObject({ sessionsExpired: EXPIRE_GUARD_FLOOR, expiryHeldBack: 0 });
    await small.close();
  });

  it('the limit is the share of live sessions, never below the floor; 1 turns it off', () => {
    expect(expiryLimit(100, 0.5)).toBe(50);
    expect(expiryLimit(4, 0.5)).toBe(EXPIRE_GUARD_FLOOR);
    expect(expiryLimit(1000, 0)).toBe(EXPIRE_GUARD_FLOOR);
    expect(expiryLimit(1000, 1)).toBe(Infinity);
  });

  it('the option on the log applies to autoGc and every gc() call', async () => {
    const clock = { now: 1_700_000_000_000 };
    const log = openMemorySessionLog({ ttl: '30d', clock: () => clock.now, maxExpireShare: 1 });
    for (let i = 0; i < 20; i++) await log.addMessage(`s${i}`, 'user', 'x');
    clock.now += 365 * DAY;
    expect(await log.gc()).toMatchObject({ sessionsExpired: 20 });
    await log.close();
  });
});
