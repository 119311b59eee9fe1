import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SessionLog } from '../src/engine/session-log.js';
import { openMemorySessionLog, openSessionLog, openSessionLogOn } from '../src/open.js';
import { MemoryBackend } from '../src/storage/memory-backend.js';
import { BACKENDS, tempDir } from './support/harness.js';
import type { Harness } from './support/harness.js';
import { expectCode } from './support/messages.js';
import { collect } from './support/collect.js';

/** Values the `clock` option returned in the reported failures, and a few more of the kind. */
const BAD_CLOCK_VALUES: Array<[string, unknown]> = [
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['1e400', 1e400],
  ['a string', '1700000000000'],
  ['a Date', new Date(1_700_000_000_000)],
  ['undefined', undefined],
  ['beyond what a Date holds', 9e15],
];

describe.each(BACKENDS)('hostile clock values (%s)', (_name, factory) => {
  let h: Harness;
  afterEach(() => h.dispose());

  it.each(BAD_CLOCK_VALUES)('a clock returning %s rejects the write, writes nothing, and every key stays usable', async (_label, value) => {
    h = factory();
    let now = 1_000;
    let bad = false;
    const log = await h.open({ clock: () => (bad ? value : now++) as number, checkpointEvery: 2 });
    await log.addMessage('old', 'user', 'before');
    bad = true;
    const e1 = await expectCode(log.addMessage('old', 'user', 'poison'), 'INVALID_ARGUMENT');
    expect(e1.message).toMatch(/clock/);
    await expectCode(log.addMessage('new', 'user', 'poison'), 'INVALID_ARGUMENT');
    await expectCode(log.setSummary('old', 's'), 'INVALID_ARGUMENT');
    await expectCode(log.updateMetadata('new', { a: 1 }), 'INVALID_ARGUMENT');
    bad = false;
    // Nothing was written, and neither key is poisoned: read, append, list, verify, delete.
    expect(await log.getSession('new')).toBeUndefined();
    expect(await log.getHistory('old')).toEqual([{ role: 'user', content: 'before' }]);
    await log.addMessage('old', 'user', 'after');
    await log.addMessage('new', 'user', 'first');
    expect((await log.getHistory('old')).map((m) => m.content)).toEqual(['before', 'after']);
    expect((await log.listSessions()).sessions.map((s) => s.key).sort()).toEqual(['new', 'old']);
    expect((await log.verify()).ok).toBe(true);
    expect(await log.deleteSession('new')).toBe(true);
    expect(await log.deleteSession('old')).toBe(true);
    expect(await log.stats()).toMatchObject({ sessions: 0, events: 0 });
  });

  it('a clock returning -0 (and `at: -0`) writes 0: LMDB cannot read a -0 key part back', async () => {
    h = factory();
    const log = await h.open({ clock: () => -0, checkpointEvery: 2 });
    await log.addMessage('k', 'user', 'a');
    await log.addMessage('k', 'user', 'b', { at: -0 });
    await log.addMessage('j', 'user', 'c', { at: -0 });
    expect((await collect(log.readEvents('k'))).map((e) => Object.is(e.at, 0))).toEqual([true, true]);
    expect((await log.listSessions()).sessions.map((s) => s.key).sort()).toEqual(['j', 'k']);
    expect((await log.verify()).ok).toBe(true);
    expect(await log.deleteSession('k')).toBe(true);
    expect((await log.listSessions()).sessions.map((s) => s.key)).toEqual(['j']);
  });

  it('a clock that throws rejects the write with INVALID_ARGUMENT carrying the cause', async () => {
    h = factory();
    let broken = false;
    const log = await h.open({
      clock: () => {
        if (broken) throw new Error('no time');
        return 1;
      },
    });
    broken = true;
    const e = await expectCode(log.addMessage('k', 'user', 'x'), 'INVALID_ARGUMENT');
    expect((e.cause as Error).message).toBe('no time');
    expect(await log.getSession('k')).toBeUndefined();
  });

  it('an explicit `at` outside a Date\'s range, or not a number, is rejected the same way', async () => {
    h = factory();
    const log = await h.open();
    for (const at of [NaN, Infinity, 1e400, 9e15, '1', new Date()]) await expectCode(log.addMessage('k', 'user', 'x', { at: at as number }), 'INVALID_ARGUMENT');
    await log.addMessage('k', 'user', 'x', { at: -8.64e15 });
    expect((await collect(log.readEvents('k'))).map((e) => e.at)).toEqual([-8.64e15]);
  });
});

describe('a hostile clock when a store is created', () => {
  it('is INVALID_ARGUMENT before any file is made', async () => {
    const dir = tempDir();
    await expectCode(() => openSessionLog({ path: join(dir, 'store'), clock: () => NaN }), 'INVALID_ARGUMENT');
  });
});

describe('unknown option keys', () => {
  let log: SessionLog | undefined;
  afterEach(async () => {
    await log?.close();
    log = undefined;
  });

  it('are refused at open, naming the key and the likely intended one', async () => {
    const e = await expectCode(() => openMemorySessionLog({ maxMesages: 5 } as never), 'INVALID_ARGUMENT');
    expect(e.message).toContain('"maxMesages"');
    expect(e.message).toContain('did you mean "maxMessages"');
    await expectCode(() => openSessionLogOn(new MemoryBackend(), { ttl: '1d', tll: '1d' } as never), 'INVALID_ARGUMENT');
    await expectCode(() => openMemorySessionLog({ autoGc: { intervall: '1h' } } as never), 'INVALID_ARGUMENT');
    const dir = tempDir();
    const e2 = await expectCode(() => openSessionLog({ path: join(dir, 'store'), durablity: 'flushed' } as never), 'INVALID_ARGUMENT');
    expect(e2.message).toContain('"durablity"');
  });

  it('are refused by every read and write method, and nothing is written', async () => {
    log = openMemorySessionLog();
    const l = log;
    await l.addMessage('k', 'user', 'x');
    const bad = (o: Record<string, unknown>): never => o as never;
    const e = await expectCode(l.addMessage('k', 'user', 'y', bad({ expectVersion: 1 })), 'INVALID_ARGUMENT');
    expect(e.message).toContain('"expectVersion"');
    expect(e.message).toContain('did you mean "expectedVersion"');
    await expectCode(l.addFullMessage('k', { role: 'user' }, bad({ eventID: 'a' })), 'INVALID_ARGUMENT');
    await expectCode(l.addMessages('k', [{ role: 'user' }], bad({ when: 1 })), 'INVALID_ARGUMENT');
    await expectCode(l.setHistory('k', [], bad({ safe: true })), 'INVALID_ARGUMENT');
    await expectCode(l.updateMetadata('k', {}, bad({ through: 1 })), 'INVALID_ARGUMENT');
    await expectCode(l.setSummary('k', 's', bad({ thru: 1 })), 'INVALID_ARGUMENT');
    await expectCode(l.truncateHistory('k', 0, bad({ saf: true })), 'INVALID_ARGUMENT');
    // Undefined values count: the key is still misspelt.
    await expectCode(l.truncateHistory('k', 0, bad({ expectVersion: undefined })), 'INVALID_ARGUMENT');
    await expectCode(() => l.getHistory('k', bad({ version: 1 })), 'INVALID_ARGUMENT');
    await expectCode(() => l.getSummary('k', bad({ at: 1 })), 'INVALID_ARGUMENT');
    await expectCode(() => l.listSessions(bad({ limt: 1 })), 'INVALID_ARGUMENT');
    await expectCode(collect(l.readEvents('k', bad({ from: 1 }))), 'INVALID_ARGUMENT');
    await expectCode(collect(l.replay('k', bad({ fromVersion: 1, to: 1 }))), 'INVALID_ARGUMENT');
    expect(await l.getSession('k')).toMatchObject({ version: 1, summary: '', messageCount: 1 });
    // Every documented option is still accepted.
    await l.addMessage('k', 'user', 'y', { expectedVersion: 1, eventId: 'e', at: 5 });
    await l.setSummary('k', 's', { through: 1, expectedVersion: 2, eventId: 'f', at: 6 });
    await l.truncateHistory('k', 1, { safe: true, expectedVersion: 3, eventId: 'g', at: 7 });
    expect(await l.getHistory('k', { atVersion: 1 })).toHaveLength(1);
    expect(await l.getSummary('k', { atVersion: 4 })).toBe('s');
    expect((await l.listSessions({ limit: 1, prefix: 'k', cursor: undefined })).sessions).toHaveLength(1);
    expect(await collect(l.readEvents('k', { fromVersion: 2, toVersion: 3 }))).toHaveLength(2);
    expect(await collect(l.replay('k', { fromVersion: 2, toVersion: 3 }))).toHaveLength(2);
  });

  it('are refused by gc, verify, backup, the importers and the exporters, before any work', async () => {
    log = openMemorySessionLog();
    const l = log;
    await l.addMessage('k', 'user', 'x');
    const bad = (o: Record<string, unknown>): never => o as never;
    const e = await expectCode(l.gc(bad({ dryrun: true })), 'INVALID_ARGUMENT');
    expect(e.message).toContain('did you mean "dryRun"');
    await expectCode(l.verify(bad({ progress: () => undefined })), 'INVALID_ARGUMENT');
    const onDisk = openSessionLog({ path: join(tempDir(), 'store') });
    const dest = join(tempDir(), 'b');
    await expectCode(onDisk.backup(dest, bad({ compacted: true })), 'INVALID_ARGUMENT');
    await onDisk.close();
    expect(existsSync(dest)).toBe(false);
    await expectCode(() => l.getSession('k', bad({ version: 1 })), 'INVALID_ARGUMENT');
    const { importPicoclaw, importOpenclaw } = await import('../src/import/index.js');
    const { importTurnlogJsonl } = await import('../src/import/turnlog-jsonl.js');
    const { exportPicoclaw } = await import('../src/import/export-picoclaw.js');
    const { exportJsonl } = await import('../src/import/export-jsonl.js');
    const src = tempDir();
    await expectCode(importPicoclaw(l, src, bad({ dryrun: true })), 'INVALID_ARGUMENT');
    await expectCode(importOpenclaw(l, src, bad({ maxFileMb: 1 })), 'INVALID_ARGUMENT');
    await expectCode(importTurnlogJsonl(l, join(src, 'none.jsonl'), bad({ recent: 'import' })), 'INVALID_ARGUMENT');
    // A valid option that a jsonl import cannot honour is refused, not silently ignored.
    writeFileSync(join(src, 'empty.jsonl'), '');
    await expectCode(importTurnlogJsonl(l, join(src, 'empty.jsonl'), { recency: 'import' }), 'INVALID_ARGUMENT');
    const out = join(tempDir(), 'pico');
    await expectCode(exportPicoclaw(l, out, ['k'], bad({ progress: () => undefined })), 'INVALID_ARGUMENT');
    let written = '';
    await expectCode(exportJsonl(l, ['k'], (t) => void (written += t), bad({ yieldEvery: 1 })), 'INVALID_ARGUMENT');
    expect(written).toBe('');
    // Documented options still work, and nothing was written by the refused calls.
    expect((await l.gc({ dryRun: true, now: Date.now(), maxExpireShare: 1 })).dryRun).toBe(true);
    expect((await l.verify({ onProgress: () => undefined })).ok).toBe(true);
    expect(await l.getSession('k')).toMatchObject({ version: 1 });
  });
});

describe.each(['memory', 'lmdb'] as const)('a storage failure in the middle of a write (%s)', (kind) => {
  it('abandons the whole transaction at whichever put it happens: the key is never left half-made', async () => {
    const { faultyStore } = await import('./support/faulty-backend.js');
    const store = faultyStore(kind);
    const log = openSessionLogOn(store.backend, { checkpointEvery: 2 });
    try {
      await log.addMessage('old', 'user', 'a');
      // The first write of a session and a checkpointing write make the most puts: fail at each.
      for (let n = 0; n < 12; n++) {
        store.backend.failAtPut = n;
        const results = await Promise.allSettled([log.addMessage(`new${n}`, 'user', 'x'), log.addMessage('old', 'user', `b${n}`)]);
        store.backend.failAtPut = undefined;
        const failed = results.map((r) => r.status === 'rejected');
        // Both writes share one transaction: they fail together or succeed together.
        expect(failed[0]).toBe(failed[1]);
        if (failed[0] === true) {
          expect(await log.getSession(`new${n}`)).toBeUndefined();
          expect((await log.getHistory('old')).map((m) => m.content)).not.toContain(`b${n}`);
        }
        await log.addMessage(`new${n}`, 'user', 'y'); // the key is usable either way
      }
      expect((await log.verify()).ok).toBe(true);
      expect((await log.stats()).sessions).toBe(13);
    } finally {
      await log.close();
      store.dispose();
    }
  });
});
