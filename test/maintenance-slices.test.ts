import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeChunk, encodeChunk } from '../src/core/codec-json.js';
import type { BudgetClock } from '../src/engine/budget.js';
import { runGc } from '../src/engine/gc.js';
import { purgeAll } from '../src/engine/purge.js';
import { verifyStore } from '../src/engine/verify.js';
import { openSessionLogOn } from '../src/open.js';
import { finishBackup } from '../src/storage/backup-files.js';
import { MemoryBackend } from '../src/storage/memory-backend.js';
import type { Message } from '../src/types.js';
import { turnsDuring } from './support/event-loop.js';

/**
 * Every maintenance operation works in slices bounded by a budget (rows, and time by an
 * injectable clock) and lets the event loop run between two, a single huge session included.
 * No real time here: `ticking` is a clock that moves one ms per reading, so a budget of 10 ms
 * runs out after ten checks, whatever the machine's speed; `frozen` never runs out of time
 * (only the row bounds slice). Results must not depend on where the slices fall.
 */
const ticking = (): BudgetClock => {
  let t = 0;
  return () => t++;
};
const frozen: BudgetClock = () => 0;

const NOW = 1_700_000_000_000;
const MESSAGES = 30_000;

/**
 * One long session: every 1,000th message a tool result that answers no call (an orphan), and
 * calls answered across the budget's slice edges, which must not be taken for orphans.
 */
function message(i: number): Message {
  if (i % 1000 === 999) return { role: 'tool', tool_call_id: `nobody-${i}`, content: 'lost' };
  if (i % 256 === 255) return { role: 'assistant', content: '', tool_calls: [{ id: `c${i}`, type: 'function', function: { name: 'f', arguments: '{}' } }] };
  if (i % 256 === 0 && i > 0) return { role: 'tool', tool_call_id: `c${i - 1}`, content: 'ok' };
  return { role: i % 2 ? 'assistant' : 'user', content: `m${i}` };
}
const ORPHANS = Array.from({ length: MESSAGES / 1000 }, (_, k) => k * 1000 + 999);

async function bigStore(opts: { collected: boolean; checkpointEvery?: number }): Promise<MemoryBackend> {
  const backend = new MemoryBackend();
  const log = openSessionLogOn(backend, { clock: () => NOW, replayWindow: 0, readCacheBytes: 0, ...(opts.checkpointEvery === undefined ? {} : { checkpointEvery: opts.checkpointEvery }) });
  for (let i = 0; i < MESSAGES; i += 100) await log.addMessages('big', Array.from({ length: 100 }, (_, j) => message(i + j)));
  await log.addMessage('small', 'user', 'hello');
  // Collected: the base checkpoint holds every message (read from its chunks); else the events do.
  if (opts.collected) await runGc(backend, { now: NOW + 1, ttl: Infinity, replayWindow: 0, chunkBytes: 64 * 1024, maxExpireShare: 1 }, false);
  return backend;
}

describe('verify works in slices, within one huge session too', () => {
  for (const collected of [false, true]) {
    it(`yields within the session and reports what an unsliced check would (${collected ? 'from a base checkpoint' : 'from the first event'})`, async () => {
      const backend = await bigStore({ collected });
      const { result, turns } = await turnsDuring(() => verifyStore(backend, undefined, undefined, ticking()));
      // One whole-session step per read used to hold the loop for the session's whole history.
      expect(turns).toBeGreaterThanOrEqual((collected ? 2 : 3) * (MESSAGES / 2000));
      expect(result).toEqual({ ok: true, sessions: 2, events: collected ? 0 : MESSAGES / 100 + 1, checkpoints: result.checkpoints, mismatches: [], orphanedResults: [{ key: 'big', indexes: ORPHANS }] });
      expect(await verifyStore(backend, undefined, undefined, frozen)).toEqual(result);
    });
  }

  it('finds a message missing from a late chunk, whichever slice it falls in', async () => {
    const backend = await bigStore({ collected: false });
    // A sealed message is stored once (its event names its chunk position), so a changed one
    // reads the same both ways; a chunk that lost its last message cannot.
    await backend.write((tx) => {
      const last = [...tx.range('chunks', { low: [1, 0], high: [1, Number.MAX_SAFE_INTEGER], reverse: true, limit: 1 })][0];
      if (last === undefined) throw new Error('no chunk');
      const messages = decodeChunk(last.value);
      tx.put('chunks', last.key, encodeChunk(messages.slice(0, -1).map((m) => JSON.stringify(m))));
    });
    const { result, turns } = await turnsDuring(() => verifyStore(backend, undefined, undefined, ticking()));
    // Sealed events are packed (one row per checkpoint), so the fold takes few slices before the
    // history comparison meets the damage.
    expect(turns).toBeGreaterThan(1);
    expect(result.mismatches).toHaveLength(1);
    expect(result.mismatches[0]?.key).toBe('big');
    expect(await verifyStore(backend, undefined, undefined, frozen)).toEqual(result);
  });
});

describe('GC, its dry run and purges end a slice when the injected clock says so', () => {
  const policy = { now: NOW + 1, ttl: Infinity, replayWindow: 0, chunkBytes: 64 * 1024, maxExpireShare: 1 };

  async function manySessions(): Promise<MemoryBackend> {
    const backend = new MemoryBackend();
    const log = openSessionLogOn(backend, { clock: () => NOW, replayWindow: 0, readCacheBytes: 0 });
    for (let s = 0; s < 600; s += 100) await Promise.all(Array.from({ length: 100 }, (_, i) => log.addMessages(`s${s + i}`, [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }])));
    return backend;
  }

  it('a dry run over many small sessions yields between sessions, not only between pages of 64', async () => {
    const backend = await manySessions();
    const { result, turns } = await turnsDuring(() => runGc(backend, policy, true, undefined, undefined, ticking()));
    expect(turns).toBeGreaterThanOrEqual(30);
    const unsliced = await runGc(backend, policy, true, undefined, undefined, frozen);
    expect({ ...result, durationMs: 0 }).toEqual({ ...unsliced, durationMs: 0 });
    const real = await runGc(backend, policy, false);
    expect([result.sessionsCompacted, result.eventsRemoved, result.bytesRemoved]).toEqual([real.sessionsCompacted, real.eventsRemoved, real.bytesRemoved]);
  });

  it('a dry run of one huge session counts its rows in slices', async () => {
    // No checkpoints: one row per event (checkpoints pack the events they seal into one row).
    const backend = await bigStore({ collected: false, checkpointEvery: 1_000_000 });
    const { result, turns } = await turnsDuring(() => runGc(backend, policy, true, undefined, undefined, ticking()));
    expect(turns).toBeGreaterThanOrEqual(MESSAGES / 1000);
    const real = await runGc(backend, policy, false);
    expect([result.eventsRemoved, result.bytesRemoved]).toEqual([real.eventsRemoved, real.bytesRemoved]);
  });

  it('GC and a purge of a huge session end each transaction when the clock runs out', async () => {
    const sliced = await bigStore({ collected: false });
    const whole = await bigStore({ collected: false });
    const a = await runGc(sliced, policy, false, undefined, undefined, ticking());
    const b = await runGc(whole, policy, false, undefined, undefined, frozen);
    expect(a.transactions).toBeGreaterThan(2 * b.transactions);
    expect([a.eventsRemoved, a.bytesRemoved, a.sessionsCompacted]).toEqual([b.eventsRemoved, b.bytesRemoved, b.sessionsCompacted]);
    for (const backend of [sliced, whole]) {
      await backend.write((tx) => tx.put('dead', [1], new Uint8Array(0)));
    }
    const purgeSliced = await turnsDuring(() => purgeAll(sliced, undefined, ticking()));
    const purgeWhole = await turnsDuring(() => purgeAll(whole, undefined, frozen));
    expect(purgeSliced.turns).toBeGreaterThan(2 * purgeWhole.turns);
    expect(purgeSliced.result).toEqual(purgeWhole.result);
  });
});

describe('a backup finishes off the event loop', () => {
  it('syncs and moves its files while the event loop keeps turning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnlog-finish-'));
    try {
      const dest = join(dir, 'dest');
      const partial = join(dest, '.turnlog-backup-partial');
      mkdirSync(partial, { recursive: true });
      writeFileSync(join(partial, 'data.mdb'), Buffer.alloc(1 << 20, 1));
      const { turns } = await turnsDuring(async () => finishBackup(partial, dest));
      expect(turns).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
