import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgresSessionLog } from '../src/postgres/open-postgres.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { pgUnavailable, PG_URL } from './support/pg-probe.js';
import { toolTurn } from './support/messages.js';

/**
 * The round trips of docs/postgres.md, counted on the pool (never timed): an append is one
 * statement; a cut, a `through` summary, a metadata patch or a capped append two; a history,
 * session, list page or size read one.
 */
const skip = await pgUnavailable();

describe.skipIf(skip !== undefined)(`postgres round trips${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  const schema = `t_rt_${process.pid}_${Date.now().toString(36)}`;
  const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
  let trips = 0;
  const counting = {
    query: (text: string, values?: unknown[]) => {
      trips++;
      return pool.query(text, values);
    },
    connect: async () => {
      const client = await pool.connect();
      return {
        query: (text: string, values?: unknown[]) => {
          trips++;
          return client.query(text, values);
        },
        release: (err?: Error | boolean) => client.release(err),
      };
    },
  };
  let log: SessionLog;
  const count = async (fn: () => Promise<unknown>): Promise<number> => {
    const before = trips;
    await fn();
    return trips - before;
  };

  beforeAll(async () => {
    log = await openPostgresSessionLog({ pool: counting, schema, maxMessages: 6 });
  });
  afterAll(async () => {
    await log?.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it('an append to a session the handle knows is one statement', async () => {
    await log.addMessage('a', 'user', 'hello');
    expect(await count(() => log.addMessage('a', 'assistant', 'hi'))).toBe(1);
    expect(await count(() => log.addMessages('a', [{ role: 'user', content: 'q' }], { eventId: 'e-1' }))).toBe(1);
    // A retry of the same eventId: the compare-and-set refuses, the head is read, the duplicate found.
    expect(await count(() => log.addMessages('a', [{ role: 'user', content: 'q' }], { eventId: 'e-1' }))).toBe(2);
  });

  it('reads are one statement each: history (also `last` and `atVersion`), session, summary, a list page, a size', async () => {
    expect(await count(() => log.getHistory('a'))).toBe(1);
    expect(await count(() => log.getHistory('a', { last: 2 }))).toBe(1);
    expect(await count(() => log.getHistory('a', { atVersion: 1 }))).toBe(1);
    expect(await count(() => log.getSession('a'))).toBe(1);
    expect(await count(() => log.getSession('a', { atVersion: 2 }))).toBe(1);
    expect(await count(() => log.getSummary('a'))).toBe(1);
    expect(await count(() => log.listSessions({ limit: 10 }))).toBe(1);
    expect(await count(() => log.listSessions({ limit: 10, prefix: 'a' }))).toBe(1);
    expect(await count(() => log.getSessionSize('a'))).toBe(1);
    expect(await count(() => log.getSessionSize('no such session'))).toBe(1);
  });

  it('a safe cut, a through summary, a metadata patch and a capped append are two', async () => {
    await log.addMessages('b', [...toolTurn('one', 'c1'), ...toolTurn('two', 'c2')]);
    expect(await count(() => log.truncateHistory('b', 3, { safe: true }))).toBe(2);
    const { version } = await log.addMessages('b', toolTurn('three', 'c3'));
    expect(await count(() => log.setSummary('b', 'so far', { through: version }))).toBe(2);
    expect(await count(() => log.updateMetadata('b', { user: 'u1' }))).toBe(2);
    await log.addMessages('c', [{ role: 'user', content: '1' }, { role: 'assistant', content: '2' }, { role: 'user', content: '3' }, { role: 'assistant', content: '4' }, { role: 'user', content: '5' }, { role: 'assistant', content: '6' }]);
    expect(await count(() => log.addMessages('c', [{ role: 'user', content: '7' }, { role: 'assistant', content: '8' }]))).toBe(2);
    expect((await log.getSession('c'))?.messageCount).toBeLessThanOrEqual(6);
  });

  it('a fork reads the source (state and history in one statement) and writes the new session; a diff reads two views', async () => {
    await log.addMessages('src', [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }]);
    await log.updateMetadata('src', { k: 1 });
    // the source's view (one snapshot), then the new key's head (this handle has not seen it) and the write
    expect(await count(() => log.forkSession('src', 'dst'))).toBe(3);
    // one statement per version: the current one (resolving it) and the one before
    expect(await count(() => log.diff('src'))).toBe(2);
    expect(await count(() => log.diff('src', { fromVersion: 1, toVersion: 2 }))).toBe(2);
    // after a removal of the newest messages between the versions: one more, for where it cut
    await log.replaceLast('src', 1, [{ role: 'assistant', content: 'b' }]);
    expect(await count(() => log.diff('src', { fromVersion: 2, toVersion: 3 }))).toBe(3);
  });
});
