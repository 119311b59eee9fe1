import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresSessionLog } from '../src/postgres/open-postgres.js';
import { collect } from './support/collect.js';
import { assertBuilt, runNode, ROOT } from './support/processes.js';
import { pgUnavailable, PG_URL } from './support/pg-probe.js';

const skip = await pgUnavailable();
const WORKER = join(ROOT, 'test/fixtures/pg-worker.mjs');

describe.skipIf(skip !== undefined)(`postgres: several processes${skip === undefined ? '' : ` (skipped: ${skip})`}`, () => {
  const schema = `t_proc_${process.pid}`;
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
  beforeAll(async () => {
    assertBuilt();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });
  const acks = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { key: string; content: string; version: number; expected?: number });

  it('4 writer processes on the same and on different sessions: versions contiguous, every acknowledged write where it was acknowledged', async () => {
    const shared = ['shared:1', 'shared:2'];
    const results = await Promise.all([
      ...Array.from({ length: 4 }, (_, w) => runNode([WORKER, 'append', PG_URL, schema, `w${w}`, '40', [...shared, `own:${w}`].join(',')])),
    ]);
    for (const r of results) expect(r.stderr).toBe('');
    for (const r of results) expect(r.code).toBe(0);
    const acked = results.flatMap((r) => acks(r.stdout));
    const log = await openPostgresSessionLog({ connectionString: PG_URL, schema });
    try {
      for (const key of [...shared, 'own:0', 'own:1', 'own:2', 'own:3']) {
        const events = await collect(log.readEvents(key));
        const expected = key.startsWith('shared') ? 160 : 40;
        expect(events.map((e) => e.version)).toEqual(Array.from({ length: expected }, (_, i) => i + 1));
        for (const a of acked.filter((x) => x.key === key)) {
          const e = events[a.version - 1];
          expect(e?.type === 'messages.added' && e.messages[0]?.content).toBe(a.content);
        }
        const history = (await log.getHistory(key)).map((m) => String(m.content));
        for (let w = 0; w < 4; w++) {
          const mine = history.filter((c) => c.startsWith(`w${w}:`));
          if (key.startsWith('shared') || key === `own:${w}`) expect(mine).toEqual(Array.from({ length: 40 }, (_, i) => `w${w}:${i}`));
        }
      }
      expect((await log.verify()).ok).toBe(true);
    } finally {
      await log.close();
    }
  });

  it('4 processes writing with expectedVersion: each version is granted once, to a writer that expected the one before', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, (_, w) => runNode([WORKER, 'exact', PG_URL, schema, `x${w}`, '25', 'exact'])));
    for (const r of results) expect(r.stderr).toBe('');
    const acked = results.flatMap((r) => acks(r.stdout));
    expect(acked.map((a) => a.version).sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    for (const a of acked) expect(a.version).toBe((a.expected ?? -1) + 1);
  });

  it('a writer SIGKILLed mid-transaction leaves nothing half-written and loses nothing it acknowledged', async () => {
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [WORKER, 'flood', PG_URL, schema, `k${round}`, 'flood'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      // Killed once it has acknowledged a few batches: it is then almost always inside a statement.
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (out.split('\n').length > 3 + round * 2) {
            child.kill('SIGKILL');
            resolve();
          }
        };
        child.stdout.on('data', check);
      });
      await new Promise((r) => child.on('close', r));
      const acked = acks(out.slice(0, out.lastIndexOf('\n') + 1));
      const log = await openPostgresSessionLog({ connectionString: PG_URL, schema });
      try {
        // The server may still commit the statement the killed process sent (it learns of the
        // disconnection only when it replies): read everything at one version.
        const version = (await log.getSession('flood'))?.version ?? 0;
        const events = await collect(log.readEvents('flood', { toVersion: version }));
        expect(events).toHaveLength(version);
        // Every event is whole: 40 messages, all of the same batch.
        for (const e of events) {
          expect(e.type).toBe('messages.added');
          if (e.type !== 'messages.added') continue;
          expect(e.messages).toHaveLength(40);
          expect(new Set(e.messages.map((m) => String(m.content).split(':').slice(0, 2).join(':'))).size).toBe(1);
        }
        for (const a of acked) expect(events[a.version - 1]?.eventId).toBe(`k${round}-${(a as unknown as { i: number }).i}`);
        expect(await log.getHistory('flood', { atVersion: version })).toHaveLength(version * 40);
        expect((await log.verify()).ok).toBe(true);
      } finally {
        await log.close();
      }
    }
  });
});
