import { openSessionLog } from '../open.js';
import { openPostgresSessionLog } from '../postgres/open-postgres.js';
import { isTurnlogError, TurnlogError } from '../errors.js';
import type { SessionLog } from '../engine/session-log.js';
import type { SessionInfo } from '../types.js';
import type { ParsedArgs } from './args.js';
import { NoSessionError } from './exit-codes.js';
import { Progress } from './progress.js';
import { colourWanted, makeStyle, safe } from './style.js';
import type { Style } from './style.js';
import { describeStore, resolveStore } from './store.js';
import type { StoreTarget } from './store.js';

/** What a command may ask of `open`: the options both stores take. */
export interface OpenOptions {
  ttl?: string | number;
  replayWindow?: string | number;
  /** Create the store when missing (import). Default false: a missing store is NOT_FOUND. */
  create?: boolean;
}

/** What a command gets: its arguments, output streams, style, and a way to open the store. */
export interface Context {
  args: ParsedArgs;
  json: boolean;
  style: Style;
  /** The store: an LMDB path, or a PostgreSQL URL and schema. */
  store: StoreTarget;
  /** How messages name the store (a URL's password masked). */
  where: string;
  /** How the user runs turnlog, for commands printed to paste back (see `invokedAs`). */
  invokedAs: string;
  now: number;
  /** What `import jsonl -` reads. */
  stdin: AsyncIterable<Uint8Array | string> & { isTTY?: boolean };
  /** Aborted when the output went away (EPIPE) or, in tests, to stop `tail --follow`. */
  signal: AbortSignal;
  out(line?: string): void;
  /** One JSON document on stdout. */
  emitJson(value: unknown): void;
  /** A note about the output (events collected by GC, a session deleted meanwhile), on stderr. */
  note(text: string): void;
  progress(label: string): Progress;
  /**
   * Opens the store; read commands never create one (a missing store is NOT_FOUND). Without
   * options, every call returns the same handle. Every handle is closed by `close()`.
   */
  open(options?: OpenOptions): Promise<SessionLog>;
  /** The session's info, or NoSessionError (exit 4) when the store has no such key. */
  requireSession(key: string): Promise<SessionInfo>;
  /** Closes every store this context opened. */
  close(): Promise<void>;
}

export interface Io {
  stdout: { isTTY?: boolean; write(s: string): boolean };
  stderr: { isTTY?: boolean; write(s: string): boolean };
  env: NodeJS.ProcessEnv;
  /** What `import jsonl -` reads (default process.stdin). */
  stdin?: AsyncIterable<Uint8Array | string> & { isTTY?: boolean };
  /** See Context.signal. */
  signal?: AbortSignal;
}

/**
 * `npx turnlog` when run through npx or `npm exec` (npm says so in npm_command), else `turnlog`:
 * a printed command the user can paste as it is. `turnlog` is not on the PATH of an npx user,
 * and `npx turnlog` in a project that has turnlog installed runs that one.
 */
export function invokedAs(env: NodeJS.ProcessEnv): string {
  return env['npm_command'] === 'exec' ? 'npx turnlog' : 'turnlog';
}

export function makeContext(args: ParsedArgs, io: Io): Context {
  const json = args.flags['json'] === true;
  const style = makeStyle(!json && colourWanted(io.stdout, io.env));
  const noteStyle = makeStyle(colourWanted(io.stderr, io.env));
  const store = resolveStore(args.flags, io.env);
  const where = describeStore(store);
  const signal = io.signal ?? new AbortController().signal;
  const opened: Array<Promise<SessionLog>> = [];
  let shared: Promise<SessionLog> | undefined;
  const open = (options: OpenOptions = {}): Promise<SessionLog> => {
    if (shared !== undefined && Object.keys(options).length === 0) return shared;
    const log = openStore(store, where, options);
    opened.push(log);
    if (Object.keys(options).length === 0) shared = log;
    return log;
  };
  return {
    args,
    json,
    style,
    store,
    where,
    invokedAs: invokedAs(io.env),
    now: Date.now(),
    // process.stdin is created when first touched: only `import jsonl -` touches it
    get stdin() {
      return io.stdin ?? process.stdin;
    },
    signal,
    out: (line = '') => void (signal.aborted || io.stdout.write(`${line}\n`)),
    emitJson: (value) => void (signal.aborted || io.stdout.write(`${JSON.stringify(value, null, 2)}\n`)),
    note: (text) => void io.stderr.write(`${noteStyle.yellow(`turnlog: ${safe(text)}`)}\n`),
    progress: (label) => new Progress(io.stderr, label, !json),
    open,
    requireSession: async (key) => {
      const info = await (await open()).getSession(key);
      if (info === undefined) throw new NoSessionError(key, where);
      return info;
    },
    close: async () => {
      const all = opened.splice(0);
      shared = undefined;
      // a store that failed to open has nothing to close (its error was reported already)
      const results = await Promise.allSettled(all.map((log) => log.then((l) => l.close(), () => undefined)));
      const failed = results.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    },
  };
}

/** Opens the store named; a missing PostgreSQL store's NOT_FOUND also names the database. */
async function openStore(store: StoreTarget, where: string, options: OpenOptions): Promise<SessionLog> {
  if (store.kind === 'lmdb') return openSessionLog({ path: store.path, create: false, ...options });
  try {
    return await openPostgresSessionLog({ connectionString: store.url, schema: store.schema, create: false, ...options });
  } catch (error) {
    if (isTurnlogError(error, 'NOT_FOUND')) throw new TurnlogError('NOT_FOUND', `no turnlog store in ${where}`, { cause: error });
    throw error;
  }
}
