import { statSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { open, TransactionFlags } from 'lmdb';
import type { Key } from 'lmdb';
import { pack } from '../src/core/codec-fields.js';
import { encodeChunk, encodeEvent } from '../src/core/codec.js';
import { openSessionLog } from '../src/open.js';
import { SqliteHistoryStore } from './peers/sqlite.js';
import { inTempDir, progress } from './measure.js';
import { message } from './workload.js';

/**
 * `npm run build:dev && node dist-dev/bench/layout-bytes.js [--quick]`: where the bytes of a
 * history go (issue 17 §3d), and what each layout change would save, measured rather than
 * estimated. 100 sessions × 320 messages appended as a gateway does (every session's next
 * message in one commit; ten checkpoint cycles). Rows:
 *
 * - turnlog as it is, through its API (data file bytes per message, per table);
 * - the same commits replayed on the LMDB binding alone with the same records (to check the
 *   replay reproduces turnlog's file), then with one change at a time: chunks deflated; events
 *   whose messages were sealed rewritten without their JSON (a stub naming the chunk positions);
 *   both; both with each stub written by a delete and a put (a delete lets LMDB merge underfull pages);
 * - SQLite (picoclaw's schema) with the same history.
 */
const quick = process.argv.includes('--quick');
const SESSIONS = quick ? 20 : 100;
const PER_SESSION = 320;
const EVERY = 32;
const TXN_SYNC = TransactionFlags.ABORTABLE | TransactionFlags.SYNCHRONOUS_COMMIT;

type Variant = { compressChunks: boolean; stubSealed: boolean; deleteFirst?: boolean };

function tablePages(db: { getStats(): unknown }): number {
  const s = db.getStats() as Record<string, number>;
  return (s['treeBranchPageCount'] ?? 0) + (s['treeLeafPageCount'] ?? 0) + (s['overflowPages'] ?? 0);
}

function replay(path: string, v: Variant): Record<string, number> {
  const env = open<Uint8Array, Key>({ path, encoding: 'binary', overlappingSync: true, cache: false, maxDbs: 4 });
  const events = env.openDB<Uint8Array, Key>({ name: 'events', encoding: 'binary' });
  const chunks = env.openDB<Uint8Array, Key>({ name: 'chunks', encoding: 'binary' });
  const at = Date.now();
  for (let i = 0; i < PER_SESSION; i++) {
    env.transactionSync(() => {
      for (let s = 1; s <= SESSIONS; s++) {
        const json = JSON.stringify(message(i, `s${s - 1}`));
        events.putSync([s, i + 1], encodeEvent({ type: 'messages.added', version: i + 1, at: at + i, from: i, messagesJson: [json] }));
        if ((i + 1) % EVERY !== 0) continue;
        const first = i + 1 - EVERY;
        const texts = Array.from({ length: EVERY }, (_, k) => JSON.stringify(message(first + k, `s${s - 1}`)));
        const chunk = encodeChunk(texts);
        chunks.putSync([s, first], v.compressChunks ? Buffer.concat([Buffer.from([0]), deflateRawSync(chunk)]) : chunk);
        if (v.stubSealed) {
          for (let k = 0; k < EVERY; k++) {
            const version = first + k + 1;
            // A put of a smaller value never merges pages; a delete rebalances underfull ones.
            if (v.deleteFirst) events.removeSync([s, version]);
            events.putSync([s, version], pack({ t: 'messages.added', c: 1, v: version, at: at + first + k, f: first + k }));
          }
        }
      }
    }, TXN_SYNC);
  }
  const out = { fileBytesPerMessage: statSync(join(path, 'data.mdb')).size / (SESSIONS * PER_SESSION), eventPages: tablePages(events), chunkPages: tablePages(chunks) };
  void env.close();
  return out;
}

const result: Record<string, unknown> = { sessions: SESSIONS, messagesPerSession: PER_SESSION };
await inTempDir(async (dir) => {
  progress('turnlog through its API');
  const path = join(dir, 'turnlog');
  const log = openSessionLog({ path });
  let json = 0;
  for (let i = 0; i < PER_SESSION; i++) {
    await Promise.all(
      Array.from({ length: SESSIONS }, (_, s) => {
        const m = message(i, `s${s}`);
        json += Buffer.byteLength(JSON.stringify(m));
        return log.addFullMessage(`b:${s}`, m);
      }),
    );
  }
  await log.close();
  const env = open<Uint8Array, Key>({ path, readOnly: true, maxDbs: 20 });
  result['turnlog'] = {
    fileBytesPerMessage: statSync(join(path, 'data.mdb')).size / (SESSIONS * PER_SESSION),
    jsonBytesPerMessage: json / (SESSIONS * PER_SESSION),
    eventPages: tablePages(env.openDB({ name: 'events', encoding: 'binary' })),
    chunkPages: tablePages(env.openDB({ name: 'chunks', encoding: 'binary' })),
  };
  await env.close();
  const variants: Record<string, Variant> = {
    'binding replay: events + chunks (as turnlog)': { compressChunks: false, stubSealed: false },
    'binding replay: chunks deflated': { compressChunks: true, stubSealed: false },
    'binding replay: sealed events without their JSON': { compressChunks: false, stubSealed: true },
    'binding replay: both': { compressChunks: true, stubSealed: true },
    'binding replay: both, stubs written by delete + put': { compressChunks: true, stubSealed: true, deleteFirst: true },
  };
  for (const [name, v] of Object.entries(variants)) {
    progress(name);
    result[name] = replay(join(dir, name.replace(/\W+/g, '-')), v);
  }
  progress('sqlite');
  const file = join(dir, 'bytes.db');
  const sqlite = new SqliteHistoryStore(file, 'NORMAL');
  for (let i = 0; i < PER_SESSION; i++) for (let s = 0; s < SESSIONS; s++) await sqlite.append(`b:${s}`, message(i, `s${s}`));
  await sqlite.close();
  result['sqlite'] = { fileBytesPerMessage: statSync(file).size / (SESSIONS * PER_SESSION) };
});
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
