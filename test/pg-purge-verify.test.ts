import { afterAll, afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgresSessionLog } from '../src/postgres/open-postgres.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { pgUnavailable, PG_URL } from './support/pg-probe.js';
import { expectCode } from './support/messages.js';

/**
 * PostgreSQL-only failure classes: purges that held a connection while waiting for another (a
 * handle's pool deadlocked), a connection dropped under a held client (the process crashed), a
 * deletion that purged every queued session, verify blind to rows that change what readers get
 * or alarmed by a deletion mid-check, and a write deciding on a stale remembered head. No sleeps:
 * waits are on server state.
 */
const skip = await pgUnavailable();
let n = 0;

describe.skipIf(skip !== undefined)(`postgres: purges, verify, stale heads${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  const admin = new pg.Pool({ connectionString: PG_URL, max: 4 });
  const schemas: string[] = [];
  const logs: SessionLog[] = [];
  const open = async (schema: string, extra: { poolSize?: number; connectionString?: string } = {}): Promise<SessionLog> => {
    const log = await openPostgresSessionLog({ connectionString: extra.connectionString ?? PG_URL, schema, ...(extra.poolSize === undefined ? {} : { poolSize: extra.poolSize }) });
    logs.push(log);
    return log;
  };
  const fresh = async (): Promise<string> => {
    const schema = `t_pv_${process.pid}_${++n}`;
    schemas.push(schema);
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    return schema;
  };
  afterEach(async () => {
    for (const log of logs.splice(0)) await log.close().catch(() => undefined);
    for (const schema of schemas.splice(0)) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
  afterAll(() => admin.end());

  it('many deletions at once on a pool of 2 all resolve, and the handle keeps working', async () => {
    const schema = await fresh();
    const log = await open(schema, { poolSize: 2 });
    for (let i = 0; i < 12; i++) await log.addMessages(`s${i}`, Array.from({ length: 50 }, (_, j) => ({ role: 'user', content: `${i}:${j}` })));
    expect(await Promise.all(Array.from({ length: 12 }, (_, i) => log.deleteSession(`s${i}`)))).toEqual(Array(12).fill(true));
    expect((await log.addMessage('after', 'user', 'x')).version).toBe(1);
    expect((await log.stats()).pendingPurges).toBe(0);
  });

  it('a deletion purges its own session, not every queued one', async () => {
    const schema = await fresh();
    const log = await open(schema);
    for (let i = 0; i < 5; i++) await log.addMessage(`other${i}`, 'user', 'x');
    await log.addMessage('mine', 'user', 'x');
    // Sessions another host expired and has not purged yet.
    await admin.query(`WITH d AS (DELETE FROM "${schema}".sessions WHERE key <> 'mine'::bytea RETURNING skey, sid) INSERT INTO "${schema}".purges (skey, sid, queued_at) SELECT skey, sid, 0 FROM d`);
    expect(await log.deleteSession('mine')).toBe(true);
    expect((await log.stats()).pendingPurges).toBe(5);
    expect((await admin.query(`SELECT count(*)::int AS n FROM "${schema}".messages`)).rows[0].n).toBe(5);
  });

  it('a connection dropped while a purge holds it: the deletion rejects with IO_ERROR, the process and the handle carry on', async () => {
    const schema = await fresh();
    const app = `turnlog_drop_${process.pid}`;
    const log = await open(schema, { poolSize: 2, connectionString: `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}application_name=${app}` });
    await log.addMessage('victim', 'user', 'hello');
    const locker = await admin.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM "${schema}".messages FOR UPDATE`);
      const deleting = log.deleteSession('victim');
      // Wait until the purge's DELETE is blocked on the lock, then cut the handle's connections.
      for (;;) {
        const r = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [app]);
        if (r.rows[0].n > 0) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [app]);
      await expectCode(deleting, 'IO_ERROR');
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    expect((await log.addMessage('other', 'user', 'x')).version).toBe(1);
  });

  it('verify finds rows changed under the log that change what readers get', async () => {
    const tamper: Array<[string, (s: string) => string]> = [
      ['a message rewritten', (s) => `UPDATE "${s}".messages SET body = '{"role":"user","content":"forged"}' WHERE pos = 0`],
      ['a summary row rewritten', (s) => `UPDATE "${s}".states SET summary = '"forged"' WHERE summary IS NOT NULL`],
      ['a summary row removed', (s) => `DELETE FROM "${s}".states WHERE summary IS NOT NULL`],
      ['an event range rewritten', (s) => `UPDATE "${s}".events SET next = 0 WHERE version = 1`],
      ['a forged last removal', (s) => `UPDATE "${s}".sessions SET last_removal = version`],
    ];
    for (const [what, sql] of tamper) {
      const schema = await fresh();
      const log = await open(schema);
      await log.addMessage('k', 'user', 'one');
      await log.setSummary('k', 'S');
      await log.addMessage('k', 'user', 'two');
      expect((await log.verify()).ok, what).toBe(true);
      await admin.query(sql(schema));
      const report = await log.verify();
      expect(report.ok, what).toBe(false);
      expect(report.mismatches.map((m) => m.key), what).toEqual(['k']);
    }
  });

  it('verify skips a session deleted, or deleted and created again, while it checks it', async () => {
    const schema = await fresh();
    const other = await open(schema);
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    let armed = false;
    const hooked = {
      connect: () => pool.connect(),
      query: async (q: string | { text: string; values?: unknown[] }, values?: unknown[]) => {
        // Just before verify reads the history, another host replaces the session.
        if (armed && (typeof q === 'string' ? q : q.text).includes('string_agg')) {
          armed = false;
          await other.deleteSession('k');
          await other.addMessage('k', 'user', 'new');
        }
        return pool.query(q as string, values);
      },
    };
    const log = await openPostgresSessionLog({ pool: hooked, schema });
    try {
      await log.addMessages('k', [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }]);
      await log.addMessage('k', 'user', 'c');
      armed = true;
      expect(await log.verify()).toMatchObject({ ok: true, mismatches: [] });
      expect(armed).toBe(false);
    } finally {
      await log.close();
      await pool.end();
    }
  });

  it('verify folds a long session and reads its history in parts, and finds what one pass would', async () => {
    const schema = await fresh();
    const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
    let historyReads = 0;
    // Event-loop turns between a page of events arriving and the next statement: its fold's yields.
    let turns = 0;
    let turnsAtEvents: number | undefined;
    const turnsAfterEvents: number[] = [];
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    const counting = {
      connect: () => pool.connect(),
      query: async (q: string | { text: string; values?: unknown[] }, values?: unknown[]) => {
        const text = typeof q === 'string' ? q : q.text;
        if (turnsAtEvents !== undefined) turnsAfterEvents.push(turns - turnsAtEvents);
        turnsAtEvents = undefined;
        if (text.includes('string_agg')) historyReads++;
        const result = await pool.query(q as string, values);
        if (text.includes('placed_digest, ARRAY(') || text.includes('e.placed_digest,')) turnsAtEvents = turns;
        return result;
      },
    };
    const log = await openPostgresSessionLog({ pool: counting, schema });
    try {
      // Every 1,000th message a result that answers no call; calls answered across the parts' edges.
      const message = (i: number) => {
        if (i % 1000 === 999) return { role: 'tool', tool_call_id: `nobody-${i}`, content: 'lost' };
        if (i % 2000 === 1998) return { role: 'assistant', content: '', tool_calls: [{ id: `c${i}`, type: 'function', function: { name: 'f', arguments: '{}' } }] };
        if (i % 2000 === 0 && i > 0) return { role: 'tool', tool_call_id: `c${i - 2}`, content: 'ok' };
        return { role: i % 2 ? 'assistant' : 'user', content: `m${i}` };
      };
      for (let i = 0; i < 7000; i += 500) await log.addMessages('long', Array.from({ length: 500 }, (_, j) => message(i + j)));
      historyReads = 0;
      setImmediate(tick);
      const report = await log.verify();
      ticking = false;
      expect(historyReads).toBeGreaterThanOrEqual(4);
      // 14 events placing 7,000 messages: read in pages of about 2,000 messages (one page of 14
      // before), and the fold of a page yields once it has spent 2,000.
      expect(turnsAfterEvents.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...turnsAfterEvents)).toBeGreaterThanOrEqual(1);
      expect(report).toMatchObject({ ok: true, sessions: 1, mismatches: [], orphanedResults: [{ key: 'long', indexes: [999, 1999, 2999, 3999, 4999, 5999, 6999] }] });
    } finally {
      await log.close();
      await pool.end();
    }
  });

  it('a write that changes nothing decides on the current head, not the one the handle remembers', async () => {
    const schema = await fresh();
    const a = await open(schema);
    const b = await open(schema);
    await a.addMessage('k', 'user', 'x');
    await b.addMessage('k', 'user', 'y');
    await b.addMessage('k', 'user', 'z');
    expect(await a.addMessages('k', [])).toEqual({ version: 3 });
    await expectCode(a.addMessages('k', [], { expectedVersion: 1 }), 'CONFLICT');
  });
});
