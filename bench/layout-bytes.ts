import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { open } from 'lmdb';
import type { Key } from 'lmdb';
import { openSessionLog } from '../src/open.js';
import type { SessionLog } from '../src/index.js';
import type { Message } from '../src/types.js';
import { SqliteHistoryStore } from './peers/sqlite.js';
import { inTempDir, progress } from './measure.js';
import { prng, realisticMessage } from './realistic-messages.js';
import { message as fillerMessage } from './workload.js';

/**
 * `npm run build:dev && node dist-dev/bench/layout-bytes.js [--quick] [--filler] [--baseline DIR]`:
 * bytes on disk per message after checkpoint cycles (issue 17 §3), turnlog against SQLite FULL
 * (picoclaw's schema) holding the same messages. 100 sessions × 320 messages appended as a
 * gateway does (every session's next message in one commit; ten checkpoint cycles at the default
 * `checkpointEvery` of 32). Messages are varied text from a seeded generator
 * (realistic-messages.ts: a word list, numbers, ids, tool calls with JSON arguments, log
 * lines), so that compression is not flattered by a repeated filler; `--filler` uses the
 * benchmark's older messages (one filler repeated) for comparison with earlier reports.
 * `--baseline DIR` measures another turnlog build too (DIR/dist/src/index.js, e.g. an older
 * commit's src taken with `git archive` and built), written the same way.
 */
const quick = process.argv.includes('--quick');
const filler = process.argv.includes('--filler');
const baselineAt = process.argv.indexOf('--baseline');
const baseline = baselineAt > 0 ? process.argv[baselineAt + 1] : undefined;
const SESSIONS = quick ? 20 : 100;
const PER_SESSION = 320;

type Open = (o: { path: string }) => SessionLog;

function tablePages(db: { getStats(): unknown }): number {
  const s = db.getStats() as Record<string, number>;
  return (s['treeBranchPageCount'] ?? 0) + (s['treeLeafPageCount'] ?? 0) + (s['overflowPages'] ?? 0);
}

/** The messages, in the order a gateway appends them: round i holds every session's i-th message. */
function rounds(): Message[][] {
  const gens = Array.from({ length: SESSIONS }, (_, s) => prng(1000 + s));
  return Array.from({ length: PER_SESSION }, (_, i) => Array.from({ length: SESSIONS }, (_, s) => (filler ? fillerMessage(i, `s${s}`) : realisticMessage(gens[s] as () => number, i, `s${s}`))));
}

async function turnlog(openLog: Open, path: string, history: Message[][]): Promise<Record<string, number>> {
  const log = openLog({ path });
  for (const round of history) await Promise.all(round.map((m, s) => log.addFullMessage(`b:${s}`, m)));
  await log.close();
  const env = open<Uint8Array, Key>({ path, readOnly: true, maxDbs: 20 });
  const pages = { eventPages: tablePages(env.openDB({ name: 'events', encoding: 'binary' })), chunkPages: tablePages(env.openDB({ name: 'chunks', encoding: 'binary' })) };
  await env.close();
  return { fileBytesPerMessage: statSync(join(path, 'data.mdb')).size / (SESSIONS * PER_SESSION), ...pages };
}

const result: Record<string, unknown> = { sessions: SESSIONS, messagesPerSession: PER_SESSION, messages: filler ? 'filler' : 'varied' };
await inTempDir(async (dir) => {
  const history = rounds();
  const json = history.flat().reduce((n, m) => n + Buffer.byteLength(JSON.stringify(m)), 0);
  result['jsonBytesPerMessage'] = json / (SESSIONS * PER_SESSION);
  progress('turnlog through its API');
  result['turnlog'] = await turnlog(openSessionLog as Open, join(dir, 'turnlog'), history);
  if (baseline !== undefined) {
    progress(`turnlog at ${baseline}`);
    const mod = (await import(pathToFileURL(join(baseline, 'dist/src/index.js')).href)) as { openSessionLog: Open };
    result['baseline'] = await turnlog(mod.openSessionLog, join(dir, 'baseline'), history);
  }
  progress('sqlite FULL');
  const file = join(dir, 'bytes.db');
  const sqlite = new SqliteHistoryStore(file, 'FULL');
  for (const round of history) for (const [s, m] of round.entries()) await sqlite.append(`b:${s}`, m);
  await sqlite.close();
  // Closing checkpoints the WAL into the database file; whatever a WAL still held would count too.
  const wal = `${file}-wal`;
  result['sqlite FULL'] = { fileBytesPerMessage: (statSync(file).size + (existsSync(wal) ? statSync(wal).size : 0)) / (SESSIONS * PER_SESSION) };
});
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
