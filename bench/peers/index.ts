import { json } from './json.js';
import { jsonl } from './jsonl.js';
import { PG_PEER, postgresHistory, postgresIndex } from './postgres.js';
import { sessionsJson } from './sessions-json.js';
import { sqliteHistory, sqliteIndex } from './sqlite.js';
import { turnlogHistory, turnlogIndex } from './turnlog.js';
import type { HistoryPeer, IndexPeer } from './types.js';

/** Every store that keeps histories, turnlog first; ratios are turnlog ÷ each peer. */
export const ALL_HISTORY_PEERS: ReadonlyArray<{ name: string; open: HistoryPeer }> = [
  { name: 'turnlog flushed', open: turnlogHistory() },
  { name: PG_PEER, open: postgresHistory() },
  { name: 'sqlite FULL', open: sqliteHistory('FULL') },
  { name: 'sqlite NORMAL', open: sqliteHistory('NORMAL') },
  { name: 'jsonl', open: jsonl() },
  { name: 'json', open: json() },
];

/** Stores of session metadata and the sessions list. */
const ALL_INDEX_PEERS: ReadonlyArray<{ name: string; open: IndexPeer }> = [
  { name: 'turnlog flushed', open: turnlogIndex() },
  { name: PG_PEER, open: postgresIndex() },
  { name: 'sqlite FULL', open: sqliteIndex('FULL') },
  { name: 'sqlite NORMAL', open: sqliteIndex('NORMAL') },
  { name: 'sessions.json', open: sessionsJson() },
];

let postgresSkipped = false;

/** Leaves the PostgreSQL peer out of every scenario of this run (the server is unreachable). */
export function skipPostgres(): void {
  postgresSkipped = true;
}

const present = (name: string) => !(postgresSkipped && name === PG_PEER);

/** The history stores of this run. */
export const historyPeers = () => ALL_HISTORY_PEERS.filter((p) => present(p.name));

/** The index stores of this run. */
export const indexPeers = () => ALL_INDEX_PEERS.filter((p) => present(p.name));
