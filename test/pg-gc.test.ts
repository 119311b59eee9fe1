import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgresSessionLog } from '../src/postgres/open-postgres.js';
import type { SessionLog } from '../src/engine/session-log.js';
import type { Message } from '../src/types.js';
import { pgUnavailable, PG_URL } from './support/pg-probe.js';

/**
 * GC on PostgreSQL with several runners (as on several hosts) and writers at once: sessions and
 * purge entries are taken with SKIP LOCKED, so the runners share the work, and every version
 * from each session's new base on reads exactly as before. Clocks are injected.
 */
const skip = await pgUnavailable();
const DAY = 86_400_000;

describe.skipIf(skip !== undefined)(`postgres GC with several runners${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  const schema = `t_gc_${process.pid}`;
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
  let now = 1_000 * DAY;
  const clock = (): number => now;
  const logs: SessionLog[] = [];
  const open = async (): Promise<SessionLog> => {
    const log = await openPostgresSessionLog({ connectionString: PG_URL, schema, clock, replayWindow: DAY, ttl: 30 * DAY, maxExpireShare: 1, poolSize: 4 });
    logs.push(log);
    return log;
  };
  beforeAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
  afterAll(async () => {
    for (const log of logs) await log.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('two runners compact and expire concurrently with writers: each session once per pass, every kept version reads as before', async () => {
    const [a, b, writer] = [await open(), await open(), await open()];
    const keys = Array.from({ length: 60 }, (_, i) => `s${i}`);
    const msg = (k: string, i: number): Message => ({ role: i % 2 ? 'assistant' : 'user', content: `${k}:${i}` });
    for (const k of keys) {
      for (let i = 0; i < 8; i++) await writer.addMessage(k, msg(k, i).role as string, msg(k, i).content);
      await writer.truncateHistory(k, 5);
      await writer.removeLast(k, 1);
      await writer.addMessage(k, 'user', `${k}:new`);
      await writer.updateMetadata(k, { n: k });
      await writer.setSummary(k, `summary of ${k}`);
    }
    // Half the sessions go idle past the ttl; all are past the replay window.
    const idle = new Set(keys.filter((_, i) => i % 2 === 0));
    now += 2 * DAY;
    for (const k of keys) if (!idle.has(k)) await writer.addMessage(k, 'assistant', `${k}:late`);
    now += 29 * DAY;
    const before = new Map<string, { history: Message[]; summary: string; version: number }>();
    for (const k of keys) {
      if (idle.has(k)) continue;
      const s = await writer.getSession(k);
      before.set(k, { history: await writer.getHistory(k), summary: s?.summary ?? '', version: s?.version ?? 0 });
    }
    // Writers keep going on the live sessions while both runners work.
    const writes = Promise.all([...before.keys()].map((k) => writer.addMessage(k, 'user', `${k}:during`)));
    const [ra, rb] = await Promise.all([a.gc(), b.gc(), writes]);
    expect(ra.sessionsExpired + rb.sessionsExpired).toBe(idle.size);
    expect(ra.sessionsCompacted + rb.sessionsCompacted).toBeGreaterThanOrEqual(before.size);
    for (const [k, was] of before) {
      expect(await writer.getHistory(k, { atVersion: was.version })).toEqual(was.history);
      expect((await writer.getHistory(k)).at(-1)?.content).toBe(`${k}:during`);
      expect(await writer.getSummary(k)).toBe(was.summary);
      expect((await writer.getSession(k))?.metadata).toEqual({ n: k });
    }
    for (const k of idle) expect(await writer.getSession(k)).toBeUndefined();
    expect((await a.verify()).ok).toBe(true);
    // The expired sessions' rows are gone (purged by the runners), nothing else.
    const left = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".messages m WHERE NOT EXISTS (SELECT 1 FROM "${schema}".sessions s WHERE s.skey = m.skey AND s.sid = m.sid)`);
    expect(left.rows[0].n).toBe(0);
    expect((await a.stats()).pendingPurges).toBe(0);
    // Versions before each base are PRUNED, never a wrong answer.
    for (const k of before.keys()) await expect(writer.getHistory(k, { atVersion: 1 })).rejects.toMatchObject({ code: 'PRUNED' });
  });
});
