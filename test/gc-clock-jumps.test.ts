import { describe, expect, it } from 'vitest';
import { clockJumpGuard, EXPIRE_GUARD_FLOOR } from '../src/core/gc-plan.js';
import { applyEvent, emptyProjection } from '../src/core/projection.js';
import type { LogEvent } from '../src/core/events.js';
import { openMemorySessionLog, openSessionLogOn } from '../src/open.js';
import { MemoryBackend } from '../src/storage/memory-backend.js';
import { collect } from './support/collect.js';
import { expectCode } from './support/messages.js';

const DAY = 86_400_000;
const REAL = 1_700_000_000_000;

describe('a backward clock jump never makes a fresh write look old', () => {
  it('the fold keeps updatedAt at its newest; the event keeps what the clock said', () => {
    const added = (version: number, at: number): LogEvent => ({ type: 'messages.added', version, at, from: version - 1, messagesJson: ['{"role":"user"}'] });
    let p = applyEvent(emptyProjection(), added(1, REAL));
    p = applyEvent(p, added(2, 1000));
    expect(p).toMatchObject({ version: 2, createdAt: REAL, updatedAt: REAL });
    p = applyEvent(p, added(3, REAL + 5));
    expect(p.updatedAt).toBe(REAL + 5);
    // A first event sets both, whatever its sign.
    expect(applyEvent(emptyProjection(), added(1, -5))).toMatchObject({ createdAt: -5, updatedAt: -5 });
  });

  it('sessions written while the clock read the epoch are not expired a minute later', async () => {
    const clock = { now: REAL };
    const backend = new MemoryBackend();
    const log = openSessionLogOn(backend, { ttl: '30d', clock: () => clock.now });
    for (let i = 0; i < 30; i++) await log.addMessage(`s${i}`, 'user', `hello ${i}`);
    clock.now = 1000; // a device booting at the epoch before NTP
    for (let i = 0; i < 5; i++) await log.addMessage(`s${i}`, 'user', `again ${i}`);
    clock.now = REAL + 60_000;
    const report = await log.gc();
    expect(report).toMatchObject({ sessionsExpired: 0, expiryHeldBack: 0 });
    expect((await log.stats()).sessions).toBe(30);
    for (let i = 0; i < 5; i++) {
      expect(await log.getSession(`s${i}`)).toMatchObject({ version: 2, updatedAt: REAL });
      expect((await collect(log.readEvents(`s${i}`))).map((e) => e.at)).toEqual([REAL, 1000]);
    }
    // Listing order follows updatedAt, and verify agrees with the fold.
    expect((await log.listSessions({ limit: 1 })).sessions[0]?.updatedAt).toBe(REAL);
    expect((await log.verify()).ok).toBe(true);
    // A write after the clock came back moves it forward again.
    await log.addMessage('s0', 'user', 'later');
    expect((await log.getSession('s0'))?.updatedAt).toBe(REAL + 60_000);
    expect((await log.verify()).ok).toBe(true);
    await log.close();
  });
});

describe('a forward clock jump keeps replay history too', () => {
  async function store(clock: { now: number }) {
    const log = openMemorySessionLog({ ttl: '30d', replayWindow: '7d', checkpointEvery: 2, clock: () => clock.now });
    for (let i = 0; i < 100; i++) for (let v = 0; v < 5; v++) await log.addMessage(`s${i}`, 'user', `m${v}`);
    return log;
  }

  it('a run that holds expiry back compacts nothing, and says so; a dry run agrees', async () => {
    const clock = { now: REAL };
    const log = await store(clock);
    clock.now += 365 * DAY;
    const dry = await log.gc({ dryRun: true });
    expect(dry).toMatchObject({ expiryHeldBack: 100, compactionHeldBack: true, sessionsCompacted: 0, eventsRemoved: 0 });
    const report = await log.gc();
    expect(report).toMatchObject({ sessionsExpired: 0, expiryHeldBack: 100, compactionHeldBack: true, sessionsCompacted: 0, eventsRemoved: 0, checkpointsRemoved: 0 });
    clock.now = REAL + 60_000;
    expect((await log.getHistory('s1', { atVersion: 2 })).map((m) => m.content)).toEqual(['m0', 'm1']);
    expect((await log.stats()).events).toBe(500);
    // With the clock back, GC acts as usual (nothing is old enough yet) and reports no hold.
    expect(await log.gc()).toMatchObject({ compactionHeldBack: false, expiryHeldBack: 0, eventsRemoved: 0 });
    await log.close();
  });

  it('an ordinary run once the replay window has passed compacts as usual', async () => {
    const clock = { now: REAL };
    const log = await store(clock);
    for (let i = 0; i < 100; i++) await log.addMessage(`new${i}`, 'user', 'x');
    clock.now += 8 * DAY;
    // No session is idle past the ttl: nothing is held back, and the old versions go.
    const report = await log.gc();
    expect(report).toMatchObject({ compactionHeldBack: false, sessionsCompacted: 200 });
    await log.close();
  });

  it('the guard is a pure decision: held back together, never below the floor', () => {
    expect(clockJumpGuard(100, 100, 0.5)).toEqual({ expire: false, compact: false });
    expect(clockJumpGuard(30, 100, 0.5)).toEqual({ expire: true, compact: true });
    expect(clockJumpGuard(EXPIRE_GUARD_FLOOR, EXPIRE_GUARD_FLOOR, 0)).toEqual({ expire: true, compact: true });
    expect(clockJumpGuard(100, 100, 1)).toEqual({ expire: true, compact: true });
  });

  it('gc({ now }) is checked like the clock', async () => {
    const log = openMemorySessionLog();
    for (const now of [1e300, -1e300, NaN, Infinity, '1', 9e15]) await expectCode(log.gc({ now: now as number }), 'INVALID_ARGUMENT');
    expect((await log.gc({ now: 8.64e15 })).stopped).toBe(false);
    await log.close();
  });
});
