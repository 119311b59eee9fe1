import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { exportPicoclaw } from '../../import/export-picoclaw.js';
import type { SessionLog } from '../../engine/session-log.js';
import type { Command } from '../command.js';
import { FIRST_IS_SESSION, flag } from '../command.js';
import type { Context } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';

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
    'Without --output, writes to stdout. --output writes a temporary file and renames it at the end.',
  ],
  flags: {
    format: { kind: 'string', value: 'FORMAT', help: 'jsonl (default) or json' },
    output: { kind: 'string', value: 'FILE', help: 'write here instead of stdout' },
  },
  positionals: { min: 0, max: 1 },
  sessionKey: FIRST_IS_SESSION,
  run(ctx) {
    const format = (flag<string>(ctx, 'format') ?? 'jsonl') as Format;
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`);
    const log = ctx.open();
    const key = ctx.args.positionals[0];
    const keys = key === undefined ? allKeys(log) : [key];
    const output = flag<string>(ctx, 'output');
    if (format === 'picoclaw-jsonl') return toPicoclaw(ctx, log, keys, output);
    const sink = output === undefined ? stdoutSink() : fileSink(output);
    const progress = ctx.progress('exporting');
    let events = 0;
    try {
      if (format === 'json') sink.write('[\n');
      keys.forEach((k, i) => {
        if (format === 'json') {
          const info = log.getSession(k);
          if (info === undefined) return;
          const doc = { key: k, version: info.version, createdAt: info.createdAt, updatedAt: info.updatedAt, summary: info.summary, metadata: info.metadata, messages: log.getHistory(k) };
          sink.write(`${i > 0 ? ',\n' : ''}${JSON.stringify(doc)}`);
        } else events += writeJsonl(log, k, sink.write);
        progress.update(i + 1, keys.length);
      });
      if (format === 'json') sink.write('\n]\n');
      sink.finish();
    } catch (error) {
      sink.abort();
      throw error;
    } finally {
      progress.done();
    }
    if (output !== undefined) report(ctx, { output, format, sessions: keys.length, events });
    return EXIT.OK;
  },
};

function toPicoclaw(ctx: Context, log: SessionLog, keys: string[], output: string | undefined): number {
  if (output === undefined) throw new UsageError('--format picoclaw-jsonl needs --output DIR');
  const progress = ctx.progress('exporting');
  const r = exportPicoclaw(log, resolve(output), keys, (d) => progress.update(d, keys.length));
  progress.done();
  if (ctx.json) ctx.emitJson(r);
  else {
    for (const p of r.problems) ctx.out(`${ctx.style.red('not exported')} ${p.reason}`);
    ctx.out(`exported ${r.sessions} session${r.sessions === 1 ? '' : 's'} (${r.messages} messages) to ${r.dir}`);
  }
  return r.problems.length > 0 ? EXIT.FAILURE : EXIT.OK;
}

function report(ctx: Context, r: { output: string; format: string; sessions: number; events: number }): void {
  if (ctx.json) ctx.emitJson(r);
  else ctx.out(`exported ${r.sessions} session${r.sessions === 1 ? '' : 's'}${r.format === 'jsonl' ? ` (${r.events} events)` : ''} to ${r.output}`);
}

function allKeys(log: SessionLog): string[] {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = log.listSessions({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) });
    keys.push(...page.sessions.map((s) => s.key));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return keys;
}

/** Every kept event of a session, one JSON line each, after a base line if GC folded older ones. */
function writeJsonl(log: SessionLog, key: string, write: (s: string) => void): number {
  const info = log.getSession(key);
  if (info === undefined) return 0;
  let n = 0;
  let first = true;
  const base = (version: number): void => {
    if (version < 1) return;
    const at = { atVersion: version };
    write(`${JSON.stringify({ key, type: 'session.base', version, summary: log.getSummary(key, at), messages: log.getHistory(key, at), createdAt: info.createdAt })}\n`);
  };
  for (const e of log.readEvents(key)) {
    if (first) base(e.version - 1);
    first = false;
    write(`${JSON.stringify({ key, ...e })}\n`);
    n++;
  }
  if (first) base(info.version); // everything was folded into the base
  return n;
}

interface Sink {
  write(s: string): void;
  finish(): void;
  abort(): void;
}

function stdoutSink(): Sink {
  return { write: (s) => void process.stdout.write(s), finish: () => undefined, abort: () => undefined };
}

/** Writes to a temporary file beside the target and renames it over at the end: never a half file. */
function fileSink(target: string): Sink {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', 0o600);
  let buffer = '';
  const flush = (): void => {
    if (buffer.length > 0) writeSync(fd, buffer);
    buffer = '';
  };
  return {
    write: (s) => {
      buffer += s;
      if (buffer.length > 1 << 20) flush();
    },
    finish: () => {
      flush();
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, target);
    },
    abort: () => {
      closeSync(fd);
      rmSync(tmp, { force: true });
    },
  };
}
