import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkKey, recentKey } from '../src/core/layout.js';
import { checkTime, readClock } from '../src/core/validate.js';
import { exportJsonl } from '../src/import/export-jsonl.js';
import { importTurnlogJsonl } from '../src/import/turnlog-jsonl.js';
import { openMemorySessionLog } from '../src/open.js';
import { BACKENDS, tempDir } from './support/harness.js';
import type { Harness } from './support/harness.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { expectCode } from './support/messages.js';
import { collect } from './support/collect.js';

/**
 * A timestamp of -0 is the instant 0, but LMDB's key encoding of -0 damages the key part after
 * it: a write stamped -0 used to resolve and leave `listSessions()` failing with CORRUPT for the
 * whole store, for good (even after deleting the session).
 */
describe('-0 as a time is stored as 0', () => {
  it('checkTime and readClock give +0; checkKey refuses -0 in any key', async () => {
    expect(Object.is(checkTime('at', -0), 0)).toBe(true);
    expect(Object.is(readClock(() => -0), 0)).toBe(true);
    await expectCode(() => checkKey('recent', recentKey(-0, 1)), 'INVALID_ARGUMENT');
    await expectCode(() => checkKey('events', [1, -0]), 'INVALID_ARGUMENT');
    expect(checkKey('recent', recentKey(0, 1))).toEqual([0, 1]);
  });
});

describe.each(BACKENDS)('-0 timestamps (%s)', (_name, factory) => {
  let h: Harness;
  afterEach(() => h.dispose());

  async function expectHealthy(log: SessionLog, keys: string[]): Promise<void> {
    expect((await log.listSessions()).sessions.map((s) => s.key).sort()).toEqual([...keys].sort());
    expect((await log.verify()).ok).toBe(true);
    for (const k of keys) {
      expect(Object.is((await log.getSession(k))?.updatedAt, -0)).toBe(false);
      expect(await log.deleteSession(k)).toBe(true);
    }
    expect((await log.listSessions()).sessions).toEqual([]);
  }

  it('`at: -0` is stored as 0 and the store stays readable', async () => {
    h = factory();
    const log = await h.open();
    await log.addMessage('k', 'user', 'hi', { at: -0 });
    await log.addMessage('k', 'user', 'again', { at: -0 });
    await log.addMessage('other', 'user', 'x', { at: 5 });
    expect((await collect(log.readEvents('k'))).every((e) => Object.is(e.at, 0))).toBe(true);
    expect(Object.is((await log.getSession('k'))?.createdAt, 0)).toBe(true);
    await expectHealthy(log, ['k', 'other']);
  });

  it('a clock returning -0 is read as 0', async () => {
    h = factory();
    const log = await h.open({ clock: () => -0, replayWindow: 0 });
    await log.addMessage('k', 'user', 'hi');
    await log.updateMetadata('k', { a: 1 });
    expect(Object.is((await log.getSession('k'))?.updatedAt, 0)).toBe(true);
    await log.gc();
    await log.gc({ now: -0 });
    await expectHealthy(log, ['k']);
  });

  it('-0 as a version, a count or a cursor part is 0 too', async () => {
    h = factory();
    const log = await h.open({ clock: () => 7 });
    await log.addMessage('k', 'user', 'a');
    await log.addMessage('k', 'user', 'b');
    await log.setSummary('k', 's', { through: -0 });
    await log.truncateHistory('k', -0);
    await log.addMessage('k', 'user', 'c', { expectedVersion: 4 });
    const zeros = (await collect(log.readEvents('k'))).flatMap((e) => (e.type === 'summary.set' ? [e.through] : e.type === 'history.truncated' ? [e.keepLast] : []));
    expect(zeros).toHaveLength(2);
    expect(zeros.every((n) => Object.is(n, 0))).toBe(true);
    expect(await log.getHistory('k', { atVersion: -0 })).toEqual([]);
    await log.addMessage('j', 'user', 'x', { expectedVersion: -0 });
    const cursor = Buffer.from('[-0,99]', 'utf8').toString('base64url');
    expect((await log.listSessions({ cursor })).sessions).toEqual([]);
    await expectHealthy(log, ['k', 'j']);
  });

  it('a jsonl dump with "at": -0 and "createdAt": -0 imports as 0', async () => {
    h = factory();
    const src = openMemorySessionLog({ clock: () => 1000, replayWindow: 0, checkpointEvery: 2 });
    await src.addMessage('a', 'user', 'one');
    await src.addMessage('a', 'user', 'two');
    await src.addMessage('b', 'user', 'three');
    await src.gc();
    await src.addMessage('a', 'user', 'four');
    let text = '';
    await exportJsonl(src, ['a', 'b'], (s) => void (text += s));
    await src.close();
    const hostile = text.replaceAll('"at":1000', '"at":-0').replaceAll('"createdAt":1000', '"createdAt":-0');
    expect(hostile).toContain('"at":-0');
    expect(hostile).toContain('"createdAt":-0');
    const file = join(tempDir(), 'dump.jsonl');
    writeFileSync(file, hostile);
    const log = await h.open();
    await importTurnlogJsonl(log, file);
    expect((await log.getHistory('a')).map((m) => m.content)).toEqual(['one', 'two', 'four']);
    await expectHealthy(log, ['a', 'b']);
  });
});
