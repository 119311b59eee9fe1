import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { collect } from './support/collect.js';
import { tempDir } from './support/harness.js';
import { assertBuilt, DIST_ENTRY } from './support/processes.js';

/**
 * A fork is atomic: SIGKILL a process that forks a 2,000-message session again and again, and
 * after each kill every forked session is either absent or complete (its one event, and the
 * source's history, summary and metadata at the version it names); every acknowledged fork is there.
 */
const ROUNDS = Number(process.env['TURNLOG_CRASH_ROUNDS'] ?? 12);
let dir: string;
let path: string;
let script: string;
beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  path = join(dir, 'store');
  script = join(dir, 'forker.mjs');
  writeFileSync(
    script,
    `import { openSessionLog } from ${JSON.stringify(pathToFileURL(DIST_ENTRY).href)};
const [path, round] = process.argv.slice(2);
const log = openSessionLog({ path, durability: 'flushed' });
const head = (await log.getSession('src')).version;
process.stdout.write('ready\\n');
for (let n = 0; ; n++) {
  const key = 'r' + round + '-' + n;
  const r = await log.forkSession('src', key, { atVersion: (n * 7) % (head + 1) });
  process.stdout.write(JSON.stringify({ key, ...r }) + '\\n');
}
`,
  );
  const log = openSessionLog({ path, checkpointEvery: 16 });
  for (let i = 0; i < 2_000; i += 100) {
    await log.addMessages('src', Array.from({ length: 100 }, (_, j) => ({ role: (i + j) % 2 ? 'assistant' : 'user', content: `message ${i + j} `.padEnd(300, 'x') })));
    if (i === 1_000) await log.setSummary('src', 'the first thousand', { through: 5 });
    await log.updateMetadata('src', { at: i });
  }
  await log.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the forker until `acks` forks were acknowledged, then SIGKILLs it (mid-way through the next). */
function round(n: number, acks: number): Promise<Array<{ key: string; version: number; forkedFrom: { key: string; version: number } }>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, path, String(n)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: Array<{ key: string; version: number; forkedFrom: { key: string; version: number } }> = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) if (l.startsWith('{')) acked.push(JSON.parse(l));
      if (acked.length >= acks) child.kill('SIGKILL');
    });
    child.on('close', (_code, signal) => (signal === 'SIGKILL' ? resolve(acked) : reject(new Error(`the forker ended without being killed: ${stderr}`))));
  });
}

describe('fork crash safety', () => {
  it(`leaves no partial fork after ${ROUNDS} SIGKILLs`, async () => {
    const acked = new Set<string>();
    for (let n = 0; n < ROUNDS; n++) {
      for (const a of await round(n, 1 + (n % 4))) acked.add(a.key);
      const log = openSessionLog({ path });
      try {
        let forks = 0;
        for (let page = await log.listSessions({ limit: 10_000 }); ; ) {
          for (const s of page.sessions) {
            if (s.key === 'src') continue;
            forks++;
            const events = await collect(log.readEvents(s.key));
            expect(events.map((e) => e.type), s.key).toEqual(['session.forked']);
            const e = events[0] as Extract<(typeof events)[number], { type: 'session.forked' }>;
            const at = { atVersion: e.forkedFrom.version };
            expect(await log.getHistory(s.key), s.key).toEqual(await log.getHistory('src', at));
            expect(s.summary).toBe(await log.getSummary('src', at));
            expect(s.metadata).toEqual((await log.getSession('src', at))?.metadata ?? {});
          }
          if (page.cursor === undefined) break;
          page = await log.listSessions({ limit: 10_000, cursor: page.cursor });
        }
        for (const key of acked) expect(await log.getSession(key), key).toBeDefined();
        expect(forks).toBeGreaterThanOrEqual(acked.size);
      } finally {
        await log.close();
      }
    }
    const log = openSessionLog({ path });
    expect((await log.verify()).ok).toBe(true);
    await log.close();
  }, 120_000);
});
