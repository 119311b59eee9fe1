import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgresSessionLog } from '../src/postgres/open-postgres.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { pgUnavailable, PG_URL } from './support/pg-probe.js';

/**
 * A fork of the current version and a diff with default versions on PostgreSQL resolve the
 * current version and read it in one snapshot: a write and a GC by another handle (another
 * pool, as another process) landing right after the first statement never make them PRUNED.
 * The other handle's write and GC run at that exact point (the reader's pool runs them before
 * handing back the first result), so the interleaving is forced, not hoped for.
 */
const skip = await pgUnavailable();

describe.skipIf(skip !== undefined)(`postgres: one snapshot per fork and diff${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  const schema = `t_snap_${process.pid}_${Date.now().toString(36)}`;
  const pool = new pg.Pool({ connectionString: PG_URL, max: 3 });
  /** Runs once, right after the reader's next statement returns (before the reader sees its rows). */
  let after: (() => Promise<void>) | undefined;
  const statements: string[] = [];
  const interleaving = {
    query: async (text: unknown, values?: unknown[]) => {
      const result = await pool.query(text as string, values);
      statements.push(typeof text === 'string' ? text : (text as { text: string }).text);
      const run = after;
      after = undefined;
      if (run !== undefined) await run();
      return result;
    },
    connect: () => pool.connect(),
  };
  let now = 1e12;
  const clock = (): number => now;
  const opened: SessionLog[] = [];
  let reader: SessionLog;
  let writer: SessionLog;
  let collector: SessionLog;
  let n = 0;
  beforeEach(async () => {
    n++;
    // the reader never collects; the writer keeps one hour of versions
    reader = await openPostgresSessionLog({ pool: interleaving, schema, clock });
    writer = await openPostgresSessionLog({ connectionString: PG_URL, schema, clock, replayWindow: '1h' });
    // and one that keeps no old versions at all
    collector = await openPostgresSessionLog({ connectionString: PG_URL, schema, clock, replayWindow: 0 });
    opened.push(reader, writer, collector);
  });
  afterAll(async () => {
    for (const l of opened) await l.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  /** Versions 1–3 of `key` two hours ago; the write and GC of `by` then make 4 the newest (and 3, or 4 with no replay window, the oldest readable). */
  async function aged(key: string, by: SessionLog): Promise<() => Promise<void>> {
    for (let i = 0; i < 3; i++) await by.addMessage(key, 'user', `m${i}`);
    now += 2 * 3_600_000;
    return async () => {
      await by.addMessage(key, 'user', 'meanwhile');
      await by.gc();
    };
  }

  it('a fork of the current version copies the version it resolved, though GC collected it right after', async () => {
    const key = `src${n}`;
    after = await aged(key, collector);
    const fork = await reader.forkSession(key, `${key}/fork`);
    expect(after).toBeUndefined();
    expect(fork).toEqual({ version: 1, forkedFrom: { key, version: 3 }, messageCount: 3 });
    expect((await reader.getHistory(`${key}/fork`)).map((m) => m.content)).toEqual(['m0', 'm1', 'm2']);
    await expect(reader.getHistory(key, { atVersion: 3 })).rejects.toMatchObject({ code: 'PRUNED', oldestReadable: 4 });
  });

  it('a diff with default versions compares the current version with the one before, though GC ran between its statements', async () => {
    const key = `d${n}`;
    after = await aged(key, writer);
    const diff = await reader.diff(key);
    expect(after).toBeUndefined();
    // read again in one snapshot: the newest version then, 4, and 3
    expect({ from: diff.fromVersion, to: diff.toVersion, added: diff.added.map((a) => a.message.content) }).toEqual({ from: 3, to: 4, added: ['meanwhile'] });
  });

  it('getHistory, getSession and getSummary of the current version are one statement each', async () => {
    const key = `h${n}`;
    await writer.addMessage(key, 'user', 'x');
    for (const read of [() => reader.getHistory(key), () => reader.getSession(key), () => reader.getSummary(key)]) {
      const before = statements.length;
      await read();
      expect(statements.length - before).toBe(1);
    }
  });
});
