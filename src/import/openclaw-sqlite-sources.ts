import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Where openclaw's SQLite era keeps sessions: one database per agent,
 * `<stateDir>/agents/<agentId>/agent/openclaw-agent.sqlite` (openclaw 2026.8 on). An import
 * source may be that file, the agent's `agent` folder, the agent folder, or the state directory
 * (every agent). In a state directory an agent that never ran a SQLite-era openclaw has only its
 * `sessions/sessions.json`: that folder is read the JSONL way.
 */

export const AGENT_DB_NAME = 'openclaw-agent.sqlite';

export interface SqliteSources {
  databases: Array<{ agentId: string; file: string }>;
  /** Sessions folders (sessions.json) of agents without a database. */
  jsonlFolders: string[];
  /** Legacy sessions.json beside a database: openclaw migrated it, the database is what it uses now. */
  ignored: string[];
  /** The source is one database (a file or an agent's folder), not a state directory. */
  single: boolean;
}

/** 'other' (a FIFO, a device…) is found too, so that it is reported rather than opened. */
const kind = (p: string): 'file' | 'dir' | 'other' | undefined => {
  try {
    const s = statSync(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch {
    return undefined;
  }
};
const isDb = (p: string): boolean => kind(p) === 'file' || kind(p) === 'other';

/** `agents/<id>/agent/openclaw-agent.sqlite` → `<id>`; another path → the file's folder name. */
function agentIdOf(file: string): string {
  const folder = dirname(file);
  return basename(folder) === 'agent' ? basename(dirname(folder)) : basename(folder);
}

/** The SQLite-era layout at `source`, or undefined when it has none (the JSONL era then). */
export function findSqliteSources(source: string): SqliteSources | undefined {
  const src = resolve(source);
  const k = kind(src);
  if (k === 'file' || k === 'other') return { databases: [{ agentId: agentIdOf(src), file: src }], jsonlFolders: [], ignored: [], single: true };
  if (k !== 'dir') return undefined;
  for (const file of [join(src, AGENT_DB_NAME), join(src, 'agent', AGENT_DB_NAME)]) {
    if (isDb(file)) {
      const legacy = join(dirname(dirname(file)), 'sessions', 'sessions.json');
      return { databases: [{ agentId: agentIdOf(file), file }], jsonlFolders: [], ignored: kind(legacy) === 'file' ? [legacy] : [], single: true };
    }
  }
  const agents = join(src, 'agents');
  if (kind(agents) !== 'dir') return undefined;
  const out: SqliteSources = { databases: [], jsonlFolders: [], ignored: [], single: false };
  for (const id of readdirSync(agents).sort()) {
    const file = join(agents, id, 'agent', AGENT_DB_NAME);
    const sessions = join(agents, id, 'sessions');
    const legacy = kind(join(sessions, 'sessions.json')) === 'file';
    if (isDb(file)) {
      out.databases.push({ agentId: id, file });
      if (legacy) out.ignored.push(join(sessions, 'sessions.json'));
    } else if (legacy) out.jsonlFolders.push(sessions);
  }
  return out.databases.length > 0 ? out : undefined;
}
