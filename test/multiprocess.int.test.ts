import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { assertBuilt, runNode, ROOT } from './support/processes.js';
import { collect } from './support/collect.js';
import { tempDir } from './support/harness.js';
import { rmSync } from 'node:fs';

beforeAll(assertBuilt);
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('several processes appending to the same sessions lose nothing and keep versions contiguous', async () => {
  dir = tempDir();
  const path = join(dir, 'store');
  const workers = 4;
  const count = 60;
  const keys = ['shared:1', 'shared:2', 'shared:3'];
  const worker = join(ROOT, 'test/fixtures/append-worker.mjs');
  const results = await Promise.all(
    Array.from({ length: workers }, (_, w) => runNode([worker, path, `w${w}`, String(count), keys.join(',')])),
  );
  for (const r of results) expect(r.stderr).toBe('');
  for (const r of results) expect(r.code).toBe(0);
  const acked = results.flatMap((r) => r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; content: string; version: number }));
  expect(acked).toHaveLength(workers * count * keys.length);

  const log = openSessionLog({ path });
  try {
    for (const key of keys) {
      const events = await collect(log.readEvents(key));
      expect(events.map((e) => e.version)).toEqual(Array.from({ length: workers * count }, (_, i) => i + 1));
      const history = (await log.getHistory(key)).map((m) => m.content);
      expect(new Set(history).size).toBe(workers * count);
      for (const a of acked.filter((x) => x.key === key)) {
        const e = events[a.version - 1];
        expect(e?.type === 'messages.added' && e.messages[0]?.content).toBe(a.content);
      }
      // each worker's own messages stay in the order it wrote them
      for (let w = 0; w < workers; w++) {
        const mine = history.filter((c) => String(c).startsWith(`w${w}:`));
        expect(mine).toEqual(Array.from({ length: count }, (_, i) => `w${w}:${i}`));
      }
    }
  } finally {
    await log.close();
  }
});

it('4 writers, a reader and a GC process at once: nothing lost or duplicated, no read sees part of an event', async () => {
  dir = tempDir();
  const path = join(dir, 'busy');
  const keys = ['busy:1', 'busy:2'];
  const seed = openSessionLog({ path });
  await seed.addMessages('busy:0', [{ role: 'user', content: 'seed' }]);
  await seed.close();
  const reader = spawn(process.execPath, [join(ROOT, 'test/fixtures/watch-reader.mjs'), path, keys.join(',')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let readerOut = '';
  reader.stdout.on('data', (d: Buffer) => (readerOut += d.toString()));
  const readerDone = new Promise<number | null>((r) => reader.on('close', r));
  const writers = Array.from({ length: 4 }, (_, w) => runNode([join(ROOT, 'test/fixtures/batch-writer.mjs'), path, `w${w}`, '40', keys.join(',')]));
  const gc = runNode([join(ROOT, 'test/fixtures/gc-worker.mjs'), path, 'never', '0', '15']);
  const results = await Promise.all([...writers, gc]);
  reader.kill('SIGTERM');
  expect(await readerDone).toBe(0);
  for (const r of results) expect([r.code, r.stderr]).toEqual([0, '']);
  const seen = JSON.parse(readerOut) as { reads: number; torn: number };
  expect(seen.torn).toBe(0);
  expect(seen.reads).toBeGreaterThan(0);
  const acks = results.slice(0, 4).flatMap((r) => r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; worker: string; i: number; version: number }));
  expect(acks).toHaveLength(4 * 40 * keys.length);
  const log = openSessionLog({ path, replayWindow: Infinity });
  try {
    for (const key of keys) {
      const history = (await log.getHistory(key)).map((m) => String(m.content));
      expect(history).toHaveLength(4 * 40 * 3);
      expect(new Set(history).size).toBe(history.length); // no duplicates
      expect((await log.getSession(key))?.version).toBe(4 * 40); // contiguous: one version per acknowledged event
      const versions = acks.filter((a) => a.key === key).map((a) => a.version).sort((a, b) => a - b);
      expect(versions).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
    }
    expect((await log.verify()).ok).toBe(true);
  } finally {
    await log.close();
  }
});
