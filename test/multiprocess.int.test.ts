import { join } from 'node:path';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { assertBuilt, runNode, ROOT } from './support/processes.js';
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
    Array.from({ length: workers }, (_, w) => runNode([worker, path, `w${w}`, String(count), keys.join(','), w % 2 === 0 ? 'flushed' : 'committed'])),
  );
  for (const r of results) expect(r.stderr).toBe('');
  for (const r of results) expect(r.code).toBe(0);
  const acked = results.flatMap((r) => r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { key: string; content: string; version: number }));
  expect(acked).toHaveLength(workers * count * keys.length);

  const log = openSessionLog({ path });
  try {
    for (const key of keys) {
      const events = [...log.readEvents(key)];
      expect(events.map((e) => e.version)).toEqual(Array.from({ length: workers * count }, (_, i) => i + 1));
      const history = log.getHistory(key).map((m) => m.content);
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
