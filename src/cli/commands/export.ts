import { dirname, resolve } from 'node:path';
import { exportJsonl, makePacer } from '../../import/export-jsonl.js';
import { exportPicoclaw } from '../../import/export-picoclaw.js';
import { currentState } from '../../import/session-state.js';
import { checkOutputFile, removeTempFilesOnSignals, TempFile } from '../../import/safe-output.js';
import type { SessionLog } from '../../engine/session-log.js';
import type { Command } from '../command.js';
import { FIRST_IS_SESSION, flag } from '../command.js';
import type { Context } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { safe } from '../style.js';

const FORMATS = ['jsonl', 'json', 'picoclaw-jsonl'] as const;
type Format = (typeof FORMATS)[number];

export const exportCommand: Command = {
  name: 'export',
  summary: 'dump one session or all: jsonl = every event, json = current histories, picoclaw-jsonl = back to picoclaw',
  usage: '[KEY] [--format jsonl|json|picoclaw-jsonl] [--output FILE|DIR]',
  details: [
    'jsonl: one line per event, {"key", ...event}; a session whose oldest versions were collected',
    'starts with a "session.base" line holding the state at its oldest readable version.',
    'json: [{ key, version, createdAt, updatedAt, summary, metadata, messages }].',
    'picoclaw-jsonl: picoclaw JSONL + meta pairs of the current histories into --output DIR (new or empty).',
    'Without --output, writes to stdout. --output names a new file or a regular file to replace: it is',
    'written under a temporary name (owner-only) and renamed at the end; a directory, a symbolic link or',
    'a device is refused, and an interrupted export (error, Ctrl-C, SIGTERM) leaves nothing behind.',
  ],
  flags: {
    format: { kind: 'string', value: 'FORMAT', help: 'jsonl (default), json or picoclaw-jsonl' },
    output: { kind: 'string', value: 'FILE', help: 'write here instead of stdout (a new or regular file; a new or empty DIR for picoclaw-jsonl)' },
  },
  positionals: { min: 0, max: 1 },
  sessionKey: FIRST_IS_SESSION,
  async run(ctx) {
    const format = (flag<string>(ctx, 'format') ?? 'jsonl') as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    const output = flag<string>(ctx, 'output');
    if (output !== undefined && format !== 'picoclaw-jsonl') checkOutputFile(output); // before the store is even opened
    const log = await ctx.open();
    const key = ctx.args.positionals[0];
    const keys = key === undefined ? await allKeys(log) : [key];
    const uninstall = removeTempFilesOnSignals();
    try {
      if (format === 'picoclaw-jsonl') return await toPicoclaw(ctx, log, keys, output);
      const sink = output === undefined ? stdoutSink() : fileSink(resolve(output));
      const progress = ctx.progress('exporting');
      let r: { sessions: number; events: number };
      try {
        r = format === 'json' ? await writeJson(log, keys, sink.write, (d) => progress.update(d, keys.length)) : await exportJsonl(log, keys, sink.write, { onProgress: (d) => progress.update(d, keys.length) });
        sink.finish();
      } catch (error) {
        sink.abort();
        throw error;
      } finally {
        progress.done();
      }
      if (output !== undefined) report(ctx, { output, format, ...r });
      return EXIT.OK;
    } finally {
      uninstall();
    }
  },
};

/** Current histories as one JSON array; pauses between sessions so signals are handled. */
async function writeJson(log: SessionLog, keys: string[], write: (s: string) => void, onProgress: (done: number) => void): Promise<{ sessions: number; events: number }> {
  let sessions = 0;
  const step = makePacer();
  write('[\n');
  for (const [i, k] of keys.entries()) {
    const state = await currentState(log, k);
    if (state !== undefined) {
      const { info, messages } = state;
      const doc = { key: k, version: info.version, createdAt: info.createdAt, updatedAt: info.updatedAt, summary: info.summary, metadata: info.metadata, messages };
      write(`${sessions > 0 ? ',\n' : ''}${JSON.stringify(doc)}`);
      sessions++;
    }
    onProgress(i + 1);
    await step();
  }
  write('\n]\n');
  return { sessions, events: 0 };
}

async function toPicoclaw(ctx: Context, log: SessionLog, keys: string[], output: string | undefined): Promise<number> {
  if (output === undefined) throw new UsageError('--format picoclaw-jsonl needs --output DIR');
  const progress = ctx.progress('exporting');
  let r;
  try {
    r = await exportPicoclaw(log, resolve(output), keys, { onProgress: (d) => progress.update(d, keys.length) });
  } finally {
    progress.done();
  }
  if (ctx.json) ctx.emitJson(r);
  else {
    for (const p of r.problems) ctx.out(`${p.fatal ? ctx.style.red('not exported') : 'note'} ${safe(p.reason)}`);
    ctx.out(`exported ${r.sessions} session${r.sessions === 1 ? '' : 's'} (${r.messages} messages) to ${safe(r.dir)}`);
  }
  return r.problems.some((p) => p.fatal) ? EXIT.FAILURE : EXIT.OK;
}

function report(ctx: Context, r: { output: string; format: string; sessions: number; events: number }): void {
  if (ctx.json) ctx.emitJson(r);
  else ctx.out(`exported ${r.sessions} session${r.sessions === 1 ? '' : 's'}${r.format === 'jsonl' ? ` (${r.events} events)` : ''} to ${safe(r.output)}`);
}

async function allKeys(log: SessionLog): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await log.listSessions({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    keys.push(...page.sessions.map((s) => s.key));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return keys;
}

interface Sink {
  write(s: string): void;
  finish(): void;
  abort(): void;
}

function stdoutSink(): Sink {
  return { write: (s) => void process.stdout.write(s), finish: () => undefined, abort: () => undefined };
}

/**
 * Writes to a temporary file beside the target and renames it over at the end: never a half file,
 * and never a leftover temporary one (removed on error here, on signals by the handler above).
 */
function fileSink(target: string): Sink {
  const tmp = new TempFile(dirname(target));
  let buffer = '';
  const flush = (): void => {
    if (buffer.length > 0) tmp.write(buffer);
    buffer = '';
  };
  return {
    write: (s) => {
      buffer += s;
      if (buffer.length > 1 << 20) flush();
    },
    finish: () => {
      flush();
      tmp.commitReplacing(target);
    },
    abort: () => tmp.discard(),
  };
}
