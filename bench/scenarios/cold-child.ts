import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSessionLog } from '../../src/open.js';
import { SqliteHistoryStore } from '../peers/sqlite.js';
import { nowUs } from '../measure.js';

/**
 * Child process of the cold-start scenario: opens a store that this process has never seen,
 * reads one session's history, and prints {openMs, firstReadMs, messages, rssMb} as JSON.
 * argv: kind (turnlog | turnlog-full-check | sqlite | openclaw), path, session key.
 */
const [kind, path, key] = process.argv.slice(2) as [string, string, string];
const t0 = nowUs();
let t1 = t0;
let messages = 0;
if (kind === 'turnlog' || kind === 'turnlog-full-check') {
  const log = openSessionLog({ path, create: false, checkOnOpen: kind === 'turnlog' ? 'auto' : 'full' });
  t1 = nowUs();
  messages = (await log.getHistory(key)).length;
} else if (kind === 'sqlite') {
  const store = new SqliteHistoryStore(path, 'FULL');
  t1 = nowUs();
  messages = store.history(key).length;
} else {
  // openclaw: load the sessions.json index, then the session's JSONL transcript.
  const index = JSON.parse(readFileSync(join(path, 'sessions.json'), 'utf8')) as Record<string, { sessionFile: string }>;
  t1 = nowUs();
  const file = index[key]?.sessionFile as string;
  messages = readFileSync(join(path, file), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown).length;
}
const t2 = nowUs();
process.stdout.write(`${JSON.stringify({ openMs: (t1 - t0) / 1000, firstReadMs: (t2 - t1) / 1000, messages, rssMb: process.memoryUsage.rss() / 1048576 })}\n`);
