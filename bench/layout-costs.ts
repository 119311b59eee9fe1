import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { open } from 'lmdb';
import { openSessionLog } from '../src/open.js';
import type { Message } from '../src/types.js';
import { SqliteHistoryStore, SqliteIndexStore } from './peers/sqlite.js';
import { inTempDir, mean, median, nowUs, percentile, progress } from './measure.js';
import { message, sessionEntry } from './workload.js';

/**
 * `npm run build:dev && node dist-dev/bench/layout-costs.js [--quick] [--only=update,list,read,writes,bytes]`:
 * the four scenarios where SQLite was ahead (issue 17 §3), measured for the store layout of
 * commit 6079a32 (built from `git archive` in /tmp/turnlog-layout-base) and for this checkout,
 * side by side in one process, with SQLite beside them:
 *
 * - update: one `updateMetadata` at N sessions (median), with the bytes the process hands to
 *   write syscalls per commit (/proc/self/io `wchar`: LMDB writes each dirty page, then the meta page);
 * - list: the newest 50 of N sessions (median);
 * - read: a 100-message `getHistory`, one append between reads as scenario 3 does (mean);
 * - writes: gateway appends/s (100 sessions × 50 appends) and a lone writer's p50 (section 4's
 *   targets, which these changes must not move), old and new in turn, median of 3 rounds;
 * - bytes: 100 sessions × 320 messages appended interleaved (ten checkpoint cycles), data file
 *   bytes per message, and where they are (per table: pages and bytes of entries).
 */
const BASELINE = '6079a32';
const root = fileURLToPath(new URL('../..', import.meta.url));
const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',') ?? ['update', 'list', 'read', 'writes', 'bytes'];
const SESSIONS = quick ? 10_000 : 100_000;

interface Log {
  addFullMessage(key: string, m: Message): Promise<unknown>;
  updateMetadata(key: string, patch: Record<string, unknown>, o?: { at?: number }): Promise<unknown>;
  listSessions(o: { limit: number }): Promise<{ sessions: Array<{ key: string }> }>;
  getHistory(key: string): Promise<Message[]>;
  close(): Promise<void>;
}
type Open = (o: { path: string }) => Log;

function buildBaseline(): string {
  const dir = process.argv.find((a) => a.startsWith('--base='))?.slice(7) ?? `/tmp/turnlog-layout-base-${BASELINE}`;
  if (existsSync(join(dir, 'dist/src/index.js'))) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('sh', ['-c', `git -C "${root}" archive ${BASELINE} src tsconfig.json tsconfig.build.json package.json | tar -x -C "${dir}"`]);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, stdio: 'inherit' });
  return dir;
}

/** Bytes this process has handed to write(2)/pwrite(2)/writev(2) so far. */
function wchar(): number {
  const m = /wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'));
  return Number(m?.[1] ?? NaN);
}

const UPDATES = quick ? 15 : 41;

async function updateAndList(name: string, openLog: Open, dir: string): Promise<Record<string, number>> {
  const log = openLog({ path: join(dir, name) });
  try {
    for (let i = 0; i < SESSIONS; i += 1000) {
      await Promise.all(Array.from({ length: Math.min(1000, SESSIONS - i) }, (_, j) => log.updateMetadata(`s:${i + j}`, sessionEntry(i + j), { at: i + j })));
    }
    const u: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < UPDATES; i++) {
      const key = `s:${(i * 7919) % SESSIONS}`;
      const w0 = wchar();
      const s = nowUs();
      await log.updateMetadata(key, { lastChannel: 'slack', inputTokens: 20_000 + i });
      u.push((nowUs() - s) / 1000);
      w.push(wchar() - w0);
      await log.listSessions({ limit: 5 });
    }
    const l: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = nowUs();
      const page = await log.listSessions({ limit: 50 });
      l.push((nowUs() - s) / 1000);
      if (page.sessions.length !== 50) throw new Error('short page');
    }
    return { updateMs: median(u), updateP90Ms: percentile(u, 90), updateWriteBytes: median(w), listMs: median(l), listMeanMs: mean(l), listChangedMs: await listAfterChanges(log) };
  } finally {
    await log.close();
  }
}

/**
 * The newest 50 listed right after 50 other sessions were each updated (untimed): every session
 * on the page changed since the last listing, so no cached state serves it. Median of 10.
 */
async function listAfterChanges(store: { update(key: string, i: number): Promise<unknown>; list(): Promise<unknown> } | Log): Promise<number> {
  const update = 'updateMetadata' in store ? (key: string, i: number) => store.updateMetadata(key, { round: i }) : store.update.bind(store);
  const list = 'listSessions' in store ? () => store.listSessions({ limit: 50 }) : store.list.bind(store);
  const t: number[] = [];
  for (let r = 0; r < 10; r++) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => update(`s:${(r * 50 + j) * 13 % SESSIONS}`, r)));
    const s = nowUs();
    await list();
    t.push((nowUs() - s) / 1000);
  }
  return median(t);
}

async function sqliteUpdateAndList(dir: string, sync: 'FULL' | 'NORMAL'): Promise<Record<string, number>> {
  const store = new SqliteIndexStore(join(dir, `index-${sync}.db`), sync);
  try {
    await store.seed(SESSIONS, sessionEntry);
    const u: number[] = [];
    const w: number[] = [];
    for (let i = 0; i < UPDATES; i++) {
      const w0 = wchar();
      const s = nowUs();
      await store.update(`s:${(i * 7919) % SESSIONS}`, { lastChannel: 'slack', inputTokens: 20_000 + i });
      u.push((nowUs() - s) / 1000);
      w.push(wchar() - w0);
      store.newest(5);
    }
    const l: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = nowUs();
      await store.newest(50);
      l.push((nowUs() - s) / 1000);
    }
    const changed = await listAfterChanges({ update: (key, i) => store.update(key, { round: i }), list: async () => store.newest(50) });
    return { updateMs: median(u), updateP90Ms: percentile(u, 90), updateWriteBytes: median(w), listMs: median(l), listMeanMs: mean(l), listChangedMs: changed };
  } finally {
    await store.close();
  }
}

type Reader = { append(k: string, m: Message): Promise<unknown>; history(k: string): Message[] | Promise<Message[]> };

/** Scenario 3's pattern at 100 messages: one append, three reads, 32 times (every distance from a checkpoint). */
async function readPattern(store: Reader, rounds: number): Promise<number[]> {
  const t: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < 32; i++) {
      await store.append('read', message(100 + r * 32 + i));
      for (let k = 0; k < 3; k++) {
        const s = nowUs();
        const h = await store.history('read');
        t.push((nowUs() - s) / 1000);
        if (h.length < 100) throw new Error('short history');
      }
    }
  }
  return t;
}

/** Every store keeps exactly the newest 100 (+ the appended) messages visible: the others are cut. */
async function reads(logs: Record<string, Log>, dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const stores: Record<string, Reader> = {};
  for (const [name, log] of Object.entries(logs)) {
    for (let i = 0; i < 100; i++) await log.addFullMessage('read', message(i));
    stores[name] = { append: (k, m) => log.addFullMessage(k, m), history: (k) => log.getHistory(k) };
  }
  for (const sync of ['FULL', 'NORMAL'] as const) {
    const s = new SqliteHistoryStore(join(dir, `read-${sync}.db`), sync);
    for (let i = 0; i < 100; i++) await s.append('read', message(i));
    stores[`sqlite ${sync}`] = s;
  }
  // Warm-up, then the stores in turn, so drift in the machine hits all alike.
  for (const s of Object.values(stores)) for (let w = 0; w < 20; w++) await s.history('read');
  const times: Record<string, number[]> = {};
  for (let round = 0; round < (quick ? 2 : 6); round++) {
    for (const [name, s] of Object.entries(stores)) (times[name] ??= []).push(...(await readPattern(s, 1)));
  }
  for (const [name, t] of Object.entries(times)) out[name] = mean(t);
  return out;
}

const PER_SESSION = 320;
const BYTE_SESSIONS = quick ? 20 : 100;

/** Per table: pages (branch, leaf, overflow), entries. */
function tableStats(path: string): Record<string, { pages: number; entries: number }> {
  const env = open({ path, readOnly: true, maxDbs: 20 });
  const out: Record<string, { pages: number; entries: number }> = {};
  try {
    for (const t of ['meta', 'dir', 'heads', 'state', 'events', 'eventIds', 'checkpoints', 'chunks', 'recent', 'dead', 'gcq']) {
      const s = env.openDB({ name: t, encoding: 'binary' }).getStats() as Record<string, number>;
      out[t] = { pages: (s['treeBranchPageCount'] ?? 0) + (s['treeLeafPageCount'] ?? 0) + (s['overflowPages'] ?? 0), entries: s['entryCount'] ?? 0 };
    }
    const r = env.getStats() as Record<string, unknown>;
    const free = r['free'] as Record<string, number> | undefined;
    out['(free list)'] = { pages: (free?.['treeBranchPageCount'] ?? 0) + (free?.['treeLeafPageCount'] ?? 0) + (free?.['overflowPages'] ?? 0), entries: free?.['entryCount'] ?? 0 };
    out['(file pages)'] = { pages: Number(r['lastPageNumber']) + 1, entries: 0 };
  } finally {
    void env.close();
  }
  return out;
}

async function bytesPerMessage(name: string, openLog: Open, dir: string): Promise<Record<string, unknown>> {
  const path = join(dir, `bytes-${name}`);
  const log = openLog({ path });
  let json = 0;
  try {
    for (let i = 0; i < PER_SESSION; i++) {
      await Promise.all(
        Array.from({ length: BYTE_SESSIONS }, (_, s) => {
          const m = message(i, `s${s}`);
          json += JSON.stringify(m).length;
          return log.addFullMessage(`b:${s}`, m);
        }),
      );
    }
  } finally {
    await log.close();
  }
  const messages = PER_SESSION * BYTE_SESSIONS;
  return { fileBytesPerMessage: statSync(join(path, 'data.mdb')).size / messages, jsonBytesPerMessage: json / messages, tables: tableStats(path) };
}

async function sqliteBytes(dir: string): Promise<number> {
  const file = join(dir, 'bytes.db');
  const s = new SqliteHistoryStore(file, 'NORMAL');
  for (let i = 0; i < PER_SESSION; i++) for (let k = 0; k < BYTE_SESSIONS; k++) await s.append(`b:${k}`, message(i, `s${k}`));
  await s.close();
  return statSync(file).size / (PER_SESSION * BYTE_SESSIONS);
}

/** Section 4's write targets must not move: gateway appends/s (100 sessions × 50) and a lone writer's p50, old and new in turn. */
async function writes(dir: string): Promise<Record<string, unknown>> {
  const out: Record<string, { appendsPerSec: number[]; singleP50Us: number[] }> = {};
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    for (const [name, o] of Object.entries(impls)) {
      const log = o({ path: join(dir, `w-${round}-${name.replace(/\W+/g, '-')}`) });
      try {
        const s = nowUs();
        await Promise.all(Array.from({ length: 100 }, async (_, k) => {
          for (let i = 0; i < 50; i++) await log.addFullMessage(`gw:${k}`, message(i, `s${k}`));
        }));
        const rate = 5000 / ((nowUs() - s) / 1e6);
        const t: number[] = [];
        for (let i = 0; i < 300; i++) {
          const a = nowUs();
          await log.addFullMessage('agent', message(i));
          t.push(nowUs() - a);
        }
        const row = (out[name] ??= { appendsPerSec: [], singleP50Us: [] });
        row.appendsPerSec.push(rate);
        row.singleP50Us.push(median(t));
      } finally {
        await log.close();
      }
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { appendsPerSec: median(v.appendsPerSec), singleP50Us: median(v.singleP50Us) }]));
}

const base = buildBaseline();
const old = (await import(pathToFileURL(join(base, 'dist/src/index.js')).href)) as { openSessionLog: Open };
const impls: Record<string, Open> = { [`before (${BASELINE})`]: old.openSessionLog, after: openSessionLog as unknown as Open };
const started = nowUs();
const result: Record<string, unknown> = { sessions: SESSIONS };
await inTempDir(async (dir) => {
  if (only.includes('update') || only.includes('list')) {
    const rows: Record<string, unknown> = {};
    for (const [name, o] of Object.entries(impls)) {
      progress(`update/list: ${name}`);
      rows[name] = await updateAndList(name.replace(/\W+/g, '-'), o, dir);
    }
    for (const sync of ['FULL', 'NORMAL'] as const) {
      progress(`update/list: sqlite ${sync}`);
      rows[`sqlite ${sync}`] = await sqliteUpdateAndList(dir, sync);
    }
    result['updateAndList'] = rows;
  }
  if (only.includes('read')) {
    progress('read 100');
    const logs: Record<string, Log> = {};
    for (const [name, o] of Object.entries(impls)) logs[name] = o({ path: join(dir, `read-${name.replace(/\W+/g, '-')}`) });
    try {
      result['read100Ms'] = await reads(logs, dir);
    } finally {
      for (const l of Object.values(logs)) await l.close();
    }
  }
  if (only.includes('writes')) {
    progress('writes');
    result['writes'] = await writes(dir);
  }
  if (only.includes('bytes')) {
    const rows: Record<string, unknown> = {};
    for (const [name, o] of Object.entries(impls)) {
      progress(`bytes: ${name}`);
      rows[name] = await bytesPerMessage(name.replace(/\W+/g, '-'), o, dir);
    }
    progress('bytes: sqlite');
    rows['sqlite'] = { fileBytesPerMessage: await sqliteBytes(dir) };
    result['bytes'] = rows;
  }
});
result['durationSec'] = (nowUs() - started) / 1e6;
// Not among the benchmark's results (bench/results belongs to `npm run bench`): a scratch file unless --out= names one.
const out = process.argv.find((a) => a.startsWith('--out='))?.slice(6) ?? join(tmpdir(), quick ? 'turnlog-layout-costs.quick.json' : 'turnlog-layout-costs.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, ...result }, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result, null, 2)}\nresults: ${out}\n`);
