import type { Message } from '../src/types.js';
import { prng } from '../src/demo/turns.js';

/**
 * Varied conversation messages for byte measurements: compression is only measured honestly on
 * text that does not repeat one filler. A seeded PRNG (mulberry32) picks words from a list of a
 * few hundred, numbers, identifiers, paths and timestamps, so every run produces the same
 * history and no two messages are alike. Turns cycle as an agent's do: a user request, an
 * assistant tool call with JSON arguments, the tool's output (log-like lines), a reply.
 */

const WORDS = (
  'the a to of and in is it that for on with as this be are was not you at by from or have an they which one ' +
  'had we there can all their more if will would about when so what up out into has them some could time these ' +
  'two may then do first any like now my other over such our most made after also did many before must through ' +
  'back where much your way well down should because each just those people how too little state good very make ' +
  'world still own see men work long get here between both life being under never day same another know while ' +
  'last might us great old year off come since against go came right used take three deploy worker cluster node ' +
  'pod service request latency error timeout retry queue backlog memory cpu disk cache index shard replica leader ' +
  'follower lease lock commit rollback migration schema table column row query plan scan join sort budget cost ' +
  'invoice customer order refund payment ledger balance account region zone bucket object upload download token ' +
  'session user agent model prompt summary context window message tool result call argument function parameter ' +
  'config flag option default value setting environment variable secret key certificate expiry renewal alert ' +
  'incident postmortem runbook dashboard metric trace span log line file path directory branch merge release ' +
  'version build test suite failure flaky pass green red review comment approve change diff patch rebase conflict ' +
  'ticket priority owner team oncall pager escalation weekend morning evening yesterday tomorrow monday friday ' +
  'quickly slowly carefully probably definitely maybe perhaps roughly exactly nearly almost already again ' +
  'check verify restart scale drain cordon inspect compare measure estimate explain summarise fix update remove'
).split(' ');

const TOOLS = ['run_shell', 'read_file', 'search_logs', 'query_db', 'http_get', 'edit_file', 'list_dir'];
const COMMANDS = ['kubectl logs deploy/%s --tail=%n', 'grep -rn "%w" src/%s', 'psql -c "select count(*) from %s where %w_id = %n"', 'curl -s https://api.example.com/v%n/%s', 'git log --oneline -n %n -- %s', 'df -h /var/lib/%s', 'journalctl -u %s --since "-%nm"'];

/** Deterministic pseudo-random numbers in [0, 1) from a 32-bit seed: the demo's generator. */
export { prng };

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function sentence(r: () => number): string {
  const n = 5 + Math.floor(r() * 14);
  const words: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    words.push(x < 0.06 ? String(Math.floor(r() * 10_000)) : x < 0.09 ? `${pick(r, WORDS)}-${Math.floor(r() * 1000)}` : pick(r, WORDS));
  }
  const s = words.join(' ');
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}${pick(r, ['.', '.', '.', '?', '!'])}`;
}

function paragraph(r: () => number, sentences: number): string {
  return Array.from({ length: sentences }, () => sentence(r)).join(' ');
}

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

function command(r: () => number): string {
  return pick(r, COMMANDS).replace(/%s/g, () => `${pick(r, WORDS)}-${pick(r, WORDS)}`).replace(/%w/g, () => pick(r, WORDS)).replace(/%n/g, () => String(1 + Math.floor(r() * 500)));
}

function logLines(r: () => number, n: number): string {
  const lines: string[] = [];
  let t = 1_700_000_000_000 + Math.floor(r() * 1e9);
  for (let i = 0; i < n; i++) {
    t += Math.floor(r() * 5000);
    lines.push(`${new Date(t).toISOString()} ${pick(r, ['INFO', 'INFO', 'WARN', 'ERROR', 'DEBUG'])} ${pick(r, WORDS)}-${hex(r, 5)} ${sentence(r)} ms=${Math.floor(r() * 900)}`);
  }
  return lines.join('\n');
}

function hashOf(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The `i`-th message of a session whose generator is `r` (call in order: i = 0, 1, 2, …). */
export function realisticMessage(r: () => number, i: number, session: string): Message {
  // Both sides of a tool call name the same id: derived from the session and the turn, not drawn.
  const call = `call_${hex(prng(hashOf(session) ^ Math.floor(i / 4)), 16)}`;
  switch (i % 4) {
    case 0:
      return { role: 'user', content: paragraph(r, 1 + Math.floor(r() * 3)) };
    case 1: {
      const args = { cmd: command(r), cwd: `/srv/${pick(r, WORDS)}/${pick(r, WORDS)}`, timeoutMs: 1000 * (1 + Math.floor(r() * 60)), reason: sentence(r) };
      return { role: 'assistant', content: sentence(r), tool_calls: [{ id: call, type: 'function', function: { name: pick(r, TOOLS), arguments: JSON.stringify(args) } }] };
    }
    case 2:
      return { role: 'tool', tool_call_id: call, content: logLines(r, 2 + Math.floor(r() * 4)) };
    default:
      return { role: 'assistant', content: paragraph(r, 2 + Math.floor(r() * 4)) };
  }
}

/** A session's messages 0..count-1, the same on every call with the same seed. */
export function realisticHistory(seed: number, count: number, session = `s${seed}`): Message[] {
  const r = prng(seed);
  return Array.from({ length: count }, (_, i) => realisticMessage(r, i, session));
}
