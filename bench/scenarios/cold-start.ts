import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSessionLog } from '../../src/open.js';
import { SqliteHistoryStore } from '../peers/sqlite.js';
import { inTempDir, progress } from '../measure.js';
import { sessionEntry } from '../workload.js';
import { realisticHistory } from '../realistic-messages.js';
import type { Message } from '../../src/types.js';

/**
 * Scenario 6: a store of `sessions` × `perSession` events, opened by a fresh process that then
 * reads one session. Each figure is the median of 5 child processes; RSS is the child's at the end.
 */
export interface ColdStartRow {
  peer: string;
  openMs: number;
  firstReadMs: number;
  totalMs: number;
  rssMb: number;
  fileMb: number;
}

const child = fileURLToPath(new URL('./cold-child.js', import.meta.url));
const BATCH = 2000;

function measureChild(kind: string, path: string, key: string, expected: number): Omit<ColdStartRow, 'peer' | 'fileMb'> {
  const runs = Array.from({ length: 5 }, () => {
    const r = spawnSync(process.execPath, [child, kind, path, key], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`cold start child (${kind}) failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { openMs: number; firstReadMs: number; messages: number; rssMb: number };
    if (out.messages !== expected) throw new Error(`${kind} read ${out.messages} messages, expected ${expected}`);
    return out;
  });
  runs.sort((a, b) => a.openMs + a.firstReadMs - (b.openMs + b.firstReadMs));
  const m = runs[2] as (typeof runs)[number];
  return { openMs: m.openMs, firstReadMs: m.firstReadMs, totalMs: m.openMs + m.firstReadMs, rssMb: m.rssMb };
}

export async function coldStart(sessions: number, perSession: number): Promise<{ events: number; rows: ColdStartRow[] }> {
  const key = `s:${Math.floor(sessions / 2)}`;
  return inTempDir(async (dir) => {
    const rows: ColdStartRow[] = [];
    // Every session holds the same varied conversation (word-list text, tool calls with JSON
    // arguments): a filler repeated in every message would flatter every compressing store.
    const convo = realisticHistory(1, perSession);
    // turnlog: every event a single-message append, as a gateway writes them.
    const path = join(dir, 'turnlog');
    const log = openSessionLog({ path });
    for (let s = 0; s < sessions; s += BATCH / perSession) {
      if (s % 10_000 === 0) progress(`cold start: writing turnlog sessions ${s}/${sessions}`);
      const n = Math.min(BATCH / perSession, sessions - s);
      await Promise.all(
        Array.from({ length: n }, async (_, j) => {
          for (let i = 0; i < perSession; i++) await log.addFullMessage(`s:${s + j}`, convo[i] as Message);
        }),
      );
    }
    const events = (await log.stats()).events;
    await log.close();
    const turnlogMb = statSync(join(path, 'data.mdb')).size / 1048576;
    rows.push({ peer: 'turnlog', ...measureChild('turnlog', path, key, perSession), fileMb: turnlogMb });
    rows.push({ peer: "turnlog (checkOnOpen: 'full')", ...measureChild('turnlog-full-check', path, key, perSession), fileMb: turnlogMb });

    progress('cold start: writing sqlite');
    const db = join(dir, 'sessions.db');
    const sqlite = new SqliteHistoryStore(db, 'NORMAL');
    for (let s = 0; s < sessions; s++) await sqlite.seed(`s:${s}`, convo);
    await sqlite.close();
    rows.push({ peer: 'sqlite', ...measureChild('sqlite', db, key, perSession), fileMb: statSync(db).size / 1048576 });

    progress('cold start: writing sessions.json');
    const oc = join(dir, 'openclaw');
    mkdirSync(oc);
    const index: Record<string, unknown> = {};
    for (let s = 0; s < sessions; s++) index[`s:${s}`] = { ...sessionEntry(s), sessionFile: `${s}.jsonl` };
    writeFileSync(join(oc, 'sessions.json'), JSON.stringify(index, null, 2));
    writeFileSync(join(oc, `${Math.floor(sessions / 2)}.jsonl`), convo.map((m) => `${JSON.stringify(m)}\n`).join(''));
    rows.push({ peer: 'openclaw (sessions.json + transcript)', ...measureChild('openclaw', oc, key, perSession), fileMb: statSync(join(oc, 'sessions.json')).size / 1048576 });
    return { events, rows };
  });
}
