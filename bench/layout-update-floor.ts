import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, TransactionFlags } from 'lmdb';
import type { Key } from 'lmdb';
import { openSessionLog } from '../src/open.js';
import { encodeEvent, encodeHead, encodeState, decodeHead } from '../src/core/codec.js';
import { SqliteIndexStore } from './peers/sqlite.js';
import { fdatasyncUs, inTempDir, median, nowUs, progress } from './measure.js';
import { sessionEntry } from './workload.js';

/**
 * `npm run build:dev && node dist-dev/bench/layout-update-floor.js [--quick]`: where one
 * `updateMetadata` at 100,000 sessions goes (issue 17 §3a). On one store seeded through turnlog,
 * in one run: turnlog's update; the LMDB binding alone doing the same puts (event, head, state,
 * recency entry moved, counters) in one synchronous transaction, as turnlog commits; the binding
 * alone with fewer trees; one put alone; and SQLite FULL's update. Per commit: median µs, and
 * bytes handed to write syscalls (/proc/self/io `wchar`: LMDB writes every dirty page, then its meta page).
 */
const quick = process.argv.includes('--quick');
const SESSIONS = quick ? 10_000 : 100_000;
const N = quick ? 31 : 101;
const TXN_SYNC = TransactionFlags.ABORTABLE | TransactionFlags.SYNCHRONOUS_COMMIT;

function wchar(): number {
  return Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? NaN);
}

type Row = { us: number; bytesPerCommit: number; jsUs?: number };

async function timed(n: number, fn: (i: number) => unknown): Promise<Row> {
  const t: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < n; i++) {
    const w0 = wchar();
    const s = nowUs();
    await fn(i);
    t.push(nowUs() - s);
    w.push(wchar() - w0);
  }
  return { us: median(t), bytesPerCommit: median(w) };
}

const out: Record<string, unknown> = { sessions: SESSIONS };
await inTempDir(async (dir) => {
  out['fdatasyncUs'] = fdatasyncUs(dir, 50);
  const path = join(dir, 'store');
  progress(`seeding ${SESSIONS} sessions`);
  let log = openSessionLog({ path });
  for (let i = 0; i < SESSIONS; i += 1000) {
    await Promise.all(Array.from({ length: Math.min(1000, SESSIONS - i) }, (_, j) => log.updateMetadata(`s:${i + j}`, sessionEntry(i + j), { at: i + j })));
  }
  // turnlog's update, with the time spent in JavaScript inside the transaction (decide + apply + counters).
  const backend = (log as unknown as { store: { backend: { write: (fn: (tx: unknown) => unknown) => Promise<unknown> } } }).store.backend;
  const write = backend.write.bind(backend);
  let js = 0;
  backend.write = (fn) =>
    write((tx) => {
      const s = nowUs();
      try {
        return fn(tx);
      } finally {
        js = nowUs() - s;
      }
    });
  const jsTimes: number[] = [];
  const turnlog = await timed(N, async (i) => {
    await log.updateMetadata(`s:${(i * 7919) % SESSIONS}`, { lastChannel: 'slack', inputTokens: 20_000 + i });
    jsTimes.push(js);
  });
  out['turnlog updateMetadata'] = { ...turnlog, jsUs: median(jsTimes) };
  await log.close();

  // The binding alone on the same file, the same tables.
  const env = open<Uint8Array, Key>({ path, encoding: 'binary', overlappingSync: true, cache: false, maxDbs: 13 });
  const db = (name: string) => env.openDB<Uint8Array, Key>({ name, encoding: 'binary' });
  const [events, heads, state, recent, meta] = ['events', 'heads', 'state', 'recent', 'meta'].map(db) as [ReturnType<typeof db>, ReturnType<typeof db>, ReturnType<typeof db>, ReturnType<typeof db>, ReturnType<typeof db>];
  const patch = JSON.stringify({ lastChannel: 'slack', inputTokens: 20_001 });
  const stateValue = encodeState({ summary: '', metadata: sessionEntry(1) });
  let at = Date.now();
  const sessionOps = (i: number, tables: { state: boolean; counters: boolean; recent: boolean }) => {
    const sid = 1 + ((i * 7919) % SESSIONS);
    const head = decodeHead(heads.get([sid]) as Uint8Array);
    const version = head.version + 1;
    at += 1;
    events.putSync([sid, version], encodeEvent({ type: 'metadata.updated', version, at, patchJson: patch }));
    heads.putSync([sid], encodeHead({ ...head, version, updatedAt: at }));
    if (tables.state) state.putSync([sid], stateValue);
    if (tables.recent) {
      recent.removeSync([head.updatedAt, sid]);
      recent.putSync([at, sid], new Uint8Array([version & 0x7f]));
    }
    if (tables.counters) meta.putSync(['counts'], new Uint8Array([0x94, 1, 2, 3, 4]));
  };
  progress('binding alone');
  out['binding: event, head, state, recency moved, counters (turnlog\'s puts)'] = await timed(N, (i) => env.transactionSync(() => sessionOps(i, { state: true, counters: true, recent: true }), TXN_SYNC));
  out['binding: event, head, recency moved (no state, no counters)'] = await timed(N, (i) => env.transactionSync(() => sessionOps(i, { state: false, counters: false, recent: true }), TXN_SYNC));
  out['binding: event, head'] = await timed(N, (i) => env.transactionSync(() => sessionOps(i, { state: false, counters: false, recent: false }), TXN_SYNC));
  out['binding: one put (state)'] = await timed(N, (i) => env.transactionSync(() => void state.putSync([1 + ((i * 7919) % SESSIONS)], stateValue), TXN_SYNC));
  const s = env.getStats() as Record<string, unknown>;
  out['tree depth (heads, state, events, recent)'] = [heads, state, events, recent].map((d) => (d.getStats() as Record<string, number>)['treeDepth']);
  out['pageSize'] = s['pageSize'];
  await env.close();

  progress('sqlite FULL');
  const sqlite = new SqliteIndexStore(join(dir, 'index.db'), 'FULL');
  await sqlite.seed(SESSIONS, sessionEntry);
  out['sqlite FULL update'] = await timed(N, (i) => sqlite.update(`s:${(i * 7919) % SESSIONS}`, { lastChannel: 'slack', inputTokens: 20_000 + i }));
  await sqlite.close();
  log = openSessionLog({ path });
  await log.close();
});
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
