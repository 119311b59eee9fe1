import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { collect } from './support/collect.js';
import { tempDir } from './support/harness.js';
import { assertBuilt, ROOT } from './support/processes.js';
import { recordFigure } from './support/figures.js';

/**
 * SIGKILL a writer at random moments, many rounds on one store. After each kill: the store
 * opens, every acknowledged write is at its version, versions are contiguous, a full re-fold of
 * every session equals its checkpointed projection, and retries by event id never duplicate.
 * Rounds: 30 per mode in CI; TURNLOG_CRASH_ROUNDS raises it (the soak uses 1,000).
 */
const ROUNDS = Number(process.env['TURNLOG_CRASH_ROUNDS'] ?? 30);
/** Rounds on one store before the next starts fresh: keeps each round's full check bounded in long soaks. */
const ROUNDS_PER_STORE = 50;
const WRITER = join(ROOT, 'test/fixtures/crash-writer.mjs');
let dir: string;
beforeAll(() => {
  assertBuilt();
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ack {
  key: string;
  content: string;
  version: number;
  duplicate: boolean;
}

/** Deterministic kill points: after 1..400 acknowledged writes. */
function killPoints(seed: number, n: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return 1 + (s % 400);
  });
}

function runRound(path: string, round: number, durability: string, retry: number, gc: boolean, killAfter: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, path, String(round), durability, String(retry), gc ? 'gc' : 'nogc'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    let buffered = '';
    let ready = false;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) {
        if (l === 'ready') ready = true;
        else acks.push(JSON.parse(l) as Ack);
        if (ready && acks.length >= retry + killAfter) child.kill('SIGKILL');
      }
    });
    child.on('close', (_code, signal) => {
      // Lines the child wrote before dying are acknowledged writes too.
      for (const l of buffered.split('\n')) if (l.startsWith('{')) acks.push(JSON.parse(l) as Ack);
      if (signal !== 'SIGKILL') reject(new Error(`writer ended without being killed: ${stderr}`));
      else resolve(acks);
    });
  });
}

describe.each([
  ['flushed', false],
  ['flushed', true],
] as const)('crash safety: %s durability, GC running: %s', (durability, gc) => {
  it(`survives ${ROUNDS} SIGKILLs with nothing acknowledged lost`, async () => {
    let path = '';
    let acked = new Map<string, Ack>(); // by content (= event id)
    let retry = 0;
    let checked = 0;
    for (const [round, killAfter] of killPoints(round0(durability, gc), ROUNDS).entries()) {
      if (round % ROUNDS_PER_STORE === 0) {
        path = join(dir, `${durability}-${gc}-${round / ROUNDS_PER_STORE}`);
        acked = new Map();
        retry = 0;
      }
      const acks = await runRound(path, round + 1, durability, retry, gc, killAfter);
      const fresh = acks.filter((a) => a.content.startsWith(`r${round + 1}-`));
      retry = fresh.length + 8; // next round retries these and the ones that were in flight
      for (const a of acks) {
        const before = acked.get(a.content);
        if (before !== undefined) expect(a.version, `retry of ${a.content} got a new version`).toBe(before.version);
        else acked.set(a.content, a);
      }
      const log = openSessionLog({ path, create: false, replayWindow: Infinity });
      try {
        const byKey = new Map<string, Map<number, string>>();
        for (const key of ['crash:a', 'crash:b', 'crash:c']) {
          const versions = new Map<number, string>();
          const events = await collect(log.readEvents(key));
          const first = events[0]?.version ?? 1;
          events.forEach((e, i) => {
            expect(e.version).toBe(first + i); // contiguous
            if (e.type === 'messages.added') versions.set(e.version, String(e.messages[0]?.content));
          });
          const ids = events.map((e) => e.eventId).filter(Boolean);
          expect(new Set(ids).size).toBe(ids.length); // no event id applied twice
          byKey.set(key, versions);
        }
        for (const a of acked.values()) {
          const at = byKey.get(a.key)?.get(a.version);
          // With GC (replay window 0) old events are folded into checkpoints; the history below still has them.
          if (at === undefined && gc) continue;
          expect(at, `acknowledged ${a.content} at ${a.key} v${a.version}`).toBe(a.content);
          checked++;
        }
        // Nothing is ever cut in this workload: every acknowledged message is visible, in version order.
        for (const key of ['crash:a', 'crash:b', 'crash:c']) {
          const visible = (await log.getHistory(key)).map((m) => String(m.content));
          const position = new Map(visible.map((c, i) => [c, i]));
          const mine = [...acked.values()].filter((a) => a.key === key).sort((x, y) => x.version - y.version);
          for (const a of mine) expect(position.has(a.content), `${a.content} visible in ${key}`).toBe(true);
          const order = mine.map((a) => position.get(a.content) as number);
          expect(order).toEqual([...order].sort((x, y) => x - y));
          checked += mine.length;
        }
        const v = await log.verify();
        expect(v.mismatches).toEqual([]);
      } finally {
        await log.close();
      }
    }
    expect(checked).toBeGreaterThan(0);
    recordFigure(`kill rounds survived (${durability}${gc ? ', GC running' : ''})`, ROUNDS);
    recordFigure('acknowledged writes checked after kills', checked);
    recordFigure('acknowledged writes lost', 0);
  });
});

function round0(durability: string, gc: boolean): number {
  return durability.length * 7919 + (gc ? 104729 : 0);
}
