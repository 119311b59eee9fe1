import { createHash } from 'node:crypto';
import { cpSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { tempDir } from './support/harness.js';
import { assertBuilt, ROOT, runNode } from './support/processes.js';
import { recordFigure } from './support/figures.js';

/**
 * Damaged stores, each opened in a child process: the outcome is the right data or a
 * TurnlogError, never a crash (signal) or a hang, never a silently empty store, and the damaged
 * file is left exactly as it was. Rounds: 40 in CI; TURNLOG_DAMAGE_ROUNDS raises it.
 */
const ROUNDS = Number(process.env['TURNLOG_DAMAGE_ROUNDS'] ?? 40);
const READER = join(ROOT, 'test/fixtures/open-and-read.mjs');
const KEYS = Array.from({ length: 20 }, (_, i) => `k${i}`);
let dir: string;
let pristine: string;
let pages: number;

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

beforeAll(async () => {
  assertBuilt();
  dir = tempDir();
  pristine = join(dir, 'pristine');
  const log = openSessionLog({ path: pristine, checkpointEvery: 8 });
  for (let i = 0; i < 400; i++) await log.addMessage(`k${i % 20}`, 'user', `message ${i} `.padEnd(300, 'x'));
  await log.addMessage('k0', 'user', 'y'.repeat(20_000)); // an overflow run
  await log.close();
  pages = statSync(join(pristine, 'data.mdb')).size / 4096;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  ok: boolean;
  code?: string;
  histories?: Record<string, number>;
  verified?: boolean;
}

async function openDamaged(name: string, damage: (file: string) => void): Promise<Outcome> {
  const copy = join(dir, name);
  cpSync(pristine, copy, { recursive: true });
  const file = join(copy, 'data.mdb');
  damage(file);
  const before = sha(file);
  const r = await runNode([READER, copy, KEYS.join(',')]);
  expect(r.signal, `${name}: the reader crashed (${r.stderr.slice(-300)})`).toBeNull();
  expect(r.code).toBe(0);
  expect(sha(file), `${name}: the damaged file was modified`).toBe(before);
  rmSync(copy, { recursive: true, force: true });
  const out = JSON.parse(r.stdout) as Outcome;
  if (!out.ok) expect(['CORRUPT', 'UNSUPPORTED_FORMAT']).toContain(out.code);
  else {
    // Opened: then it must be the real data (never an empty store), and whatever verify says is reported.
    expect(Object.values(out.histories ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  }
  return out;
}

function overwrite(file: string, offset: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  writeSync(fd, bytes, 0, bytes.length, offset);
  closeSync(fd);
}

/** The page number of the catalogue (main database) root, from the newest meta page. */
function mainRoot(file: string): number {
  const b = readFileSync(file);
  const metas = [0, 4096].map((o) => ({ txn: b.readBigUInt64LE(o + 0x98), root: Number(b.readBigUInt64LE(o + 0x88)) }));
  return (metas[0]!.txn > metas[1]!.txn ? metas[0] : metas[1])!.root;
}

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('damaged stores', () => {
  it(`random bytes over a random page (${ROUNDS} rounds): CORRUPT or the right data, never a crash`, async () => {
    const rnd = rng(20261121);
    const outcomes: Record<string, number> = {};
    for (let round = 0; round < ROUNDS; round++) {
      const page = 2 + Math.floor(rnd() * (pages - 2));
      const junk = Buffer.from(Array.from({ length: 4096 }, () => Math.floor(rnd() * 256)));
      const out = await openDamaged(`random-${round}`, (f) => overwrite(f, page * 4096, junk));
      const label = out.ok ? 'opened' : String(out.code);
      outcomes[label] = (outcomes[label] ?? 0) + 1;
    }
    expect(outcomes['CORRUPT']).toBeGreaterThan(0);
    recordFigure('damaged-file cases (random page overwrites)', ROUNDS);
    recordFigure('damaged-file cases that crashed the process', 0);
  });

  it.each([
    // A page surely in use (a fixed page number may be a free one, whatever the layout of the day).
    ['a zeroed page', (f: string) => overwrite(f, mainRoot(f) * 4096, Buffer.alloc(4096))],
    ['a wrong page type on the catalogue root', (f: string) => overwrite(f, mainRoot(f) * 4096 + 0x12, Buffer.from([0x04]))],
    ['a node pointer out of its page', (f: string) => overwrite(f, mainRoot(f) * 4096 + 24, Buffer.from([0xff, 0xff]))],
    ['both meta pages zeroed', (f: string) => (overwrite(f, 0, Buffer.alloc(4096)), overwrite(f, 4096, Buffer.alloc(4096)))],
    ['a truncated file', (f: string) => writeFileSync(f, readFileSync(f).subarray(0, 3 * 4096))],
  ])('%s: CORRUPT, file untouched', async (name, damage) => {
    const out = await openDamaged(name.replace(/\s/g, '-'), damage);
    expect(out).toMatchObject({ ok: false, code: 'CORRUPT' });
  });

  it('a lock file full of garbage from a dead process: the store opens with its data', async () => {
    const out = await openDamaged('lock', () => writeFileSync(join(dir, 'lock', 'lock.mdb'), Buffer.alloc(8192, 0x5a)));
    expect(out).toMatchObject({ ok: true, verified: true });
    expect(out.histories?.['k0']).toBe(21);
  });
});
