import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Follower } from '../src/cli/follow.js';
import type { FollowedLog } from '../src/cli/follow.js';
import { main } from '../src/cli/main.js';
import { TurnlogError } from '../src/errors.js';
import { openSessionLog } from '../src/open.js';
import type { SessionEvent, SessionInfo } from '../src/types.js';
import { tempDir } from './support/harness.js';

let dir: string;
beforeAll(() => void (dir = tempDir()));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A follower whose output is collected: versions printed, notes given. */
function follow(log: FollowedLog, key: string, seen: { version: number; createdAt?: number }) {
  const printed: number[] = [];
  const notes: string[] = [];
  const follower = new Follower(log, key, seen, (e) => printed.push(e.version), (n) => notes.push(n));
  return { follower, printed, notes };
}

const event = (version: number): SessionEvent => ({ version, at: 0, type: 'metadata.updated', patch: {} });
const info = (version: number): SessionInfo => ({ key: 'k', version, messageCount: 0, createdAt: 1, updatedAt: 1, summary: '', metadata: {} });

describe('tail --follow never skips silently', () => {
  it('notices a session deleted and created again with the same createdAt (as a re-import does)', async () => {
    const { openMemorySessionLog } = await import('../src/open.js');
    const log = openMemorySessionLog();
    for (const text of ['old1', 'old2', 'old3']) await log.addMessage('k', 'user', text, { at: 1000 });
    const { follower, printed, notes } = follow(log, 'k', { version: 3, createdAt: 1000 });
    await log.deleteSession('k');
    for (let i = 0; i < 5; i++) await log.addMessage('k', 'user', `new${i}`, { at: 1000 });
    await follower.check();
    expect(notes).toEqual(['"k" was deleted and created again; following the new session from v1']);
    expect(printed).toEqual([1, 2, 3, 4, 5]);
    await log.close();
  });

  it('names the versions GC collected between two looks, and where it resumes', async () => {
    let now = 1_000;
    const log = openSessionLog({ path: join(dir, 'gc'), replayWindow: 0, clock: () => (now += 1) });
    try {
      await log.addMessage('k', 'user', 'one');
      await log.addMessage('k', 'user', 'two');
      const { follower, printed, notes } = follow(log, 'k', { version: 2, createdAt: (await log.getSession('k'))?.createdAt as number });
      for (let i = 0; i < 40; i++) await log.addMessage('k', 'user', `m${i}`);
      await log.gc(); // collects v1..v42 while the follower is between two looks
      await log.addMessage('k', 'user', 'after gc');
      await follower.check();
      expect(notes).toEqual(['events v3..v42 of "k" were collected by GC; continuing at v43']);
      expect(printed).toEqual([43]);
      await follower.check(); // nothing new: nothing printed, nothing said
      expect([printed.length, notes.length]).toEqual([1, 1]);
    } finally {
      await log.close();
    }
  });

  it('says when the session was deleted, and when it was created again (even past the version it was at)', async () => {
    let now = 1_000;
    const log = openSessionLog({ path: join(dir, 'deleted'), clock: () => (now += 1) });
    try {
      for (let i = 0; i < 3; i++) await log.addMessage('k', 'user', `old ${i}`);
      const { follower, printed, notes } = follow(log, 'k', { version: 3, createdAt: (await log.getSession('k'))?.createdAt as number });
      await log.deleteSession('k');
      await follower.check();
      await follower.check(); // said once
      expect(notes).toEqual(['"k" was deleted or expired; waiting for it']);
      for (let i = 0; i < 5; i++) await log.addMessage('k', 'user', `new ${i}`);
      await follower.check();
      expect(printed).toEqual([1, 2, 3, 4, 5]);
      // deleted and created again between two looks, already beyond the version followed
      await log.deleteSession('k');
      for (let i = 0; i < 7; i++) await log.addMessage('k', 'user', `newer ${i}`);
      await follower.check();
      expect(notes[1]).toBe('"k" was deleted and created again; following the new session from v1');
      expect(printed.slice(5)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await log.close();
    }
  });

  it('handles PRUNED and NOT_FOUND thrown while the events are iterated (GC or a deletion between pages)', async () => {
    const calls: Array<number | undefined> = [];
    let deleted = false;
    const log: FollowedLog = {
      getSession: async () => (deleted ? undefined : info(12)),
      async *readEvents(_key, opts) {
        calls.push(opts?.fromVersion);
        if (opts?.fromVersion === 3) {
          yield event(3);
          yield event(4);
          throw new TurnlogError('PRUNED', 'collected', { oldestReadable: 9 });
        }
        if (opts?.fromVersion === 10) {
          yield event(10);
          throw new TurnlogError('NOT_FOUND', 'deleted');
        }
      },
    };
    const { follower, printed, notes } = follow(log, 'k', { version: 2, createdAt: 1 });
    await follower.check();
    expect(printed).toEqual([3, 4, 10]);
    // v2: the follower reads the event it starts after (to recognise a re-created session); then the new ones.
    expect(calls).toEqual([2, 3, 10]);
    expect(notes).toEqual(['events v5..v9 of "k" were collected by GC; continuing at v10']);
    deleted = true;
    await follower.check();
    expect(notes[1]).toBe('"k" was deleted or expired; waiting for it');
  });

  it('tail --follow on a key that does not exist yet waits for it, and stops with exit 0', async () => {
    const path = join(dir, 'waiting');
    const seed = openSessionLog({ path });
    await seed.addMessage('other', 'user', 'hi');
    await seed.close();
    const stop = new AbortController();
    const out = { text: '', write: (s: string) => ((out.text += s), true) };
    // stopped as soon as the first look has said it waits (reads are asynchronous: no earlier)
    const err = { text: '', write: (s: string) => ((err.text += s), stop.abort(), true) };
    const running = main(['tail', 'new', '--follow', '--path', path], { stdout: out, stderr: err, env: {}, signal: stop.signal });
    expect(await running).toBe(0);
    expect(err.text).toBe('turnlog: "new" does not exist yet; waiting for it\n');
    expect(out.text).toBe('');
  });
});
