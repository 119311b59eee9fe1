import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresSessionLog } from '../src/postgres/open-postgres.js';
import { isTurnlogError } from '../src/errors.js';
import { collect } from './support/collect.js';
import { pgServerUnavailable, startPgServer } from './support/pg-server.js';
import type { PgServer } from './support/pg-server.js';

/**
 * A PostgreSQL restart under load, on a throwaway server of this test's own: writes in flight
 * fail with IO_ERROR, nothing acknowledged is lost, and the same handle carries on once the
 * server is back (no reopen). No sleeps: the writers run until they have seen the restart and
 * then a number of successful writes after it.
 */
const why = pgServerUnavailable();
const required = process.env['TURNLOG_REQUIRE_PG'] === '1';

describe.skipIf(why !== undefined && !required)(`postgres: server restart during load${why === undefined ? '' : ` (skipped: ${why})`}`, () => {
  let server: PgServer;
  beforeAll(async () => {
    if (why !== undefined) throw new Error(`TURNLOG_REQUIRE_PG=1 but ${why}`);
    server = await startPgServer();
  });
  afterAll(() => server?.stop());

  it('in-flight writes fail with IO_ERROR, acknowledged ones survive, the handle recovers by itself', async () => {
    const log = await openPostgresSessionLog({ connectionString: server.url, schema: 'restart', poolSize: 6 });
    const acked = new Map<string, number[]>();
    const failures: unknown[] = [];
    let restarted = false;
    let afterRestart = 0;
    const writer = async (w: number): Promise<void> => {
      const key = `w${w}`;
      acked.set(key, []);
      for (let i = 0; !(restarted && afterRestart >= 60); i++) {
        try {
          const r = await log.addMessage(key, 'user', `${key}:${i}`, { eventId: `${key}-${i}` });
          acked.get(key)?.push(i);
          if (restarted) afterRestart++;
          void r;
        } catch (error) {
          failures.push(error);
        }
      }
    };
    const writers = Array.from({ length: 6 }, (_, w) => writer(w));
    // Restart once every writer has acknowledged some writes.
    while ([...acked.values()].some((a) => a.length < 20)) await new Promise((r) => setImmediate(r));
    await server.restart();
    restarted = true;
    await Promise.all(writers);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(isTurnlogError(f, 'IO_ERROR'), String(f)).toBe(true);
    for (const [key, done] of acked) {
      const contents = (await log.getHistory(key)).map((m) => String(m.content));
      // Every acknowledged write is there; a failed one may or may not be (its commit may have landed).
      for (const i of done) expect(contents).toContain(`${key}:${i}`);
      const events = await collect(log.readEvents(key));
      expect(events.map((e) => e.version)).toEqual(events.map((_, i) => i + 1));
    }
    expect((await log.verify()).ok).toBe(true);
    await log.close();
  });
});
