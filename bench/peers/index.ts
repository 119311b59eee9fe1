import { json } from './json.js';
import { jsonl } from './jsonl.js';
import { sessionsJson } from './sessions-json.js';
import { sqliteHistory, sqliteIndex } from './sqlite.js';
import { turnlogHistory, turnlogIndex } from './turnlog.js';
import type { HistoryPeer, IndexPeer } from './types.js';

/** Every store that keeps histories, turnlog first; ratios are turnlog ÷ each peer. */
export const HISTORY_PEERS: ReadonlyArray<{ name: string; open: HistoryPeer }> = [
  { name: 'turnlog flushed', open: turnlogHistory('flushed') },
  { name: 'turnlog committed', open: turnlogHistory('committed') },
  { name: 'sqlite FULL', open: sqliteHistory('FULL') },
  { name: 'sqlite NORMAL', open: sqliteHistory('NORMAL') },
  { name: 'jsonl', open: jsonl() },
  { name: 'json', open: json() },
];

/** Stores of session metadata and the sessions list. */
export const INDEX_PEERS: ReadonlyArray<{ name: string; open: IndexPeer }> = [
  { name: 'turnlog flushed', open: turnlogIndex('flushed') },
  { name: 'sqlite FULL', open: sqliteIndex('FULL') },
  { name: 'sqlite NORMAL', open: sqliteIndex('NORMAL') },
  { name: 'sessions.json', open: sessionsJson() },
];
