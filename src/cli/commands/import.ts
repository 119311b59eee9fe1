import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { isAbsolute, relative } from 'node:path';
import { importOpenclaw, importPicoclaw } from '../../import/index.js';
import { importTurnlogJsonl } from '../../import/turnlog-jsonl.js';
import { checkOpenclawSource } from '../../import/openclaw-sqlite.js';
import { DEFAULT_MAX_FILE_BYTES, kindOf } from '../../import/source-files.js';
import { removeTempFilesOnSignals, TempFile } from '../../import/safe-output.js';
import { IMPORT_RECENCY, PROBLEM_SUBJECTS } from '../../import/types.js';
import type { ImportOptions, ImportProblem, ImportRecency, ImportReport, ProblemSubject } from '../../import/types.js';
import type { SessionLog } from '../../engine/session-log.js';
import { isTurnlogError } from '../../errors.js';
import { openMemorySessionLog } from '../../open.js';
import type { Command } from '../command.js';
import { flag } from '../command.js';
import type { Context } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { safe } from '../style.js';

const FORMATS = { picoclaw: importPicoclaw, openclaw: importOpenclaw, jsonl: importTurnlogJsonl } as const;

export const importCommand: Command = {
  name: 'import',
  summary: 'import picoclaw or openclaw sessions, or a turnlog jsonl export (sources are only read)',
  usage: 'picoclaw|openclaw|jsonl SOURCE [--dry-run] [--recency import] [--follow-outside] [--max-file-mb N]',
  details: [
    'picoclaw SOURCE: a sessions folder, a workspace, or the picoclaw home (every workspace*/sessions).',
    'openclaw SOURCE: the state directory (every agent), an agent folder, or its agent/openclaw-agent.sqlite',
    '(openclaw 2026.8 and later, read-only, also while openclaw runs); before 2026.8, an agent sessions folder.',
    'jsonl SOURCE: a file written by turnlog export --format jsonl, or - for stdin',
    '(turnlog export --path ./.turnlog | turnlog import jsonl - --url postgres://…: LMDB to PostgreSQL).',
    'Running it again changes nothing; a picoclaw session that grew by appending brings in only what is new.',
    'Imported sessions keep their source times, so a GC with a ttl counts their idle time from their last',
    'activity there; --recency import counts it from the import instead (running it again applies it).',
    'Only regular files inside SOURCE are read: FIFOs, devices, and links or sessionFile paths that lead',
    'outside it are reported, not read.',
    'Exit 0: everything imported; 1: finished, but some files, entries or lines were left out (each listed), or the store',
    'could not be opened or written (one line on stderr); 2: usage error, or a SOURCE that is missing or of the wrong kind',
    '(checked before the store is opened, so nothing is created).',
  ],
  flags: {
    'dry-run': { kind: 'boolean', help: 'read and plan, write nothing' },
    recency: { kind: 'string', value: 'source|import', help: "what ttl counts idle time from: the source's last activity (default) or the import" },
    'follow-outside': { kind: 'boolean', help: 'follow links and sessionFile paths that lead outside SOURCE' },
    'max-file-mb': { kind: 'integer', value: 'N', min: 1, max: 511, help: 'largest source file read, in MiB, 1 to 511 (default 256)' },
  },
  positionals: { min: 2, max: 2 },
  async run(ctx) {
    const [format, source] = ctx.args.positionals as [string, string];
    if (format !== 'picoclaw' && format !== 'openclaw' && format !== 'jsonl') throw new UsageError(`import: the format must be picoclaw, openclaw or jsonl, not '${format}'`);
    const options = importOptions(ctx, format);
    if (source === '-' && format !== 'jsonl') throw new UsageError(`import: ${format} reads a folder; only jsonl reads stdin (-)`);
    // stdin is copied to an owner-only temporary file first (the importer reads regular files
    // only), so the store is opened only once the whole input has arrived
    const input = source === '-' ? await StdinCopy.read(ctx, options.maxFileBytes) : undefined;
    try {
      // Checked before the store is opened: a mistyped SOURCE must not leave a new, empty store behind.
      if (input === undefined) checkSource(source, format);
      const log = options.dryRun === true ? await openForDryRun(ctx) : await ctx.open({ create: true });
      const progress = ctx.progress(`importing ${format}`);
      let report = await FORMATS[format](log, input?.path ?? source, { ...options, onProgress: (d, t) => progress.update(d, t) });
      progress.done();
      if (input !== undefined) report = input.renamed(report);
      if (ctx.json) ctx.emitJson(report);
      else printReport(ctx, report);
      return report.problems.some((p) => p.fatal) ? EXIT.FAILURE : EXIT.OK;
    } finally {
      input?.discard();
    }
  },
};

/** `import jsonl -`: stdin in a temporary file, removed after the import (and on Ctrl-C). */
class StdinCopy {
  private constructor(
    private readonly file: TempFile,
    private readonly uninstall: () => void,
  ) {}

  get path(): string {
    return this.file.path;
  }

  static async read(ctx: Context, maxFileBytes = DEFAULT_MAX_FILE_BYTES): Promise<StdinCopy> {
    const stdin = ctx.stdin;
    if (stdin.isTTY === true) throw new UsageError('import jsonl -: stdin is a terminal; pipe an export into it (turnlog export | turnlog import jsonl - …)');
    const uninstall = removeTempFilesOnSignals();
    const copy = new StdinCopy(new TempFile(tmpdir()), uninstall);
    try {
      const decoder = new StringDecoder('utf8');
      let size = 0;
      for await (const chunk of stdin) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
        size += bytes.length;
        if (size > maxFileBytes) throw new UsageError(`import: stdin holds more than ${maxFileBytes / 1024 / 1024} MiB (--max-file-mb)`);
        copy.file.write(decoder.write(Buffer.from(bytes)));
      }
      // in `turnlog export … | turnlog import jsonl -`, a failed export leaves stdin empty: an
      // error then, not a new empty store and exit 0
      if (size === 0) throw new UsageError('import: stdin is empty (did the command before the pipe fail?); nothing was imported or created');
      copy.file.write(decoder.end());
      return copy;
    } catch (error) {
      copy.discard();
      throw error;
    }
  }

  /** The report as about stdin, not the temporary file. */
  renamed(report: ImportReport): ImportReport {
    const name = (file: string): string => (file === this.path ? '-' : file);
    return { ...report, source: name(report.source), problems: report.problems.map((p) => ({ ...p, file: name(p.file) })) };
  }

  discard(): void {
    this.file.discard();
    this.uninstall();
  }
}

function checkSource(source: string, format: 'picoclaw' | 'openclaw' | 'jsonl'): void {
  const st = statSync(source, { throwIfNoEntry: false });
  if (st === undefined) throw new UsageError(`import: ${source} does not exist`);
  if (format === 'openclaw') {
    // openclaw's SQLite era also takes the database file itself
    if (!st.isDirectory() && !st.isFile()) throw new UsageError(`import: ${source} is ${kindOf(st)}, not a directory or an openclaw-agent.sqlite file`);
    checkOpenclawSource(source);
    return;
  }
  const wanted = format === 'jsonl' ? st.isFile() : st.isDirectory();
  if (!wanted) throw new UsageError(`import: ${source} is ${kindOf(st)}, not a ${format === 'jsonl' ? 'regular file' : 'directory'}`);
}

function importOptions(ctx: Context, format: string): ImportOptions {
  const options: ImportOptions = { dryRun: flag<boolean>(ctx, 'dry-run') === true, now: ctx.now };
  const recency = flag<string>(ctx, 'recency');
  if (recency !== undefined) {
    if (!(IMPORT_RECENCY as readonly string[]).includes(recency)) throw new UsageError(`--recency must be ${IMPORT_RECENCY.join(' or ')}, not '${recency}'`);
    if (format === 'jsonl' && recency !== 'source') throw new UsageError('--recency import applies to picoclaw and openclaw; a jsonl import restores the exported times');
    options.recency = recency as ImportRecency;
  }
  if (flag<boolean>(ctx, 'follow-outside') === true) options.allowOutsideSource = true;
  const mb = flag<number>(ctx, 'max-file-mb'); // 1 to 511, checked by the parser
  if (mb !== undefined) options.maxFileBytes = mb * 1024 * 1024;
  return options;
}

/** A dry run writes nothing, not even a new store: against a missing store it plans in memory. */
async function openForDryRun(ctx: Context): Promise<SessionLog> {
  try {
    return await ctx.open();
  } catch (error) {
    if (isTurnlogError(error, 'NOT_FOUND')) return openMemorySessionLog();
    throw error;
  }
}

const subjectOf = (p: ImportProblem): ProblemSubject => p.subject ?? (p.line === undefined ? 'file' : 'line');

/** Paths below the working directory are shown relative to it. */
function shown(file: string): string {
  const r = relative(process.cwd(), file);
  return r !== '' && !r.startsWith('..') && !isAbsolute(r) ? r : file;
}

/** "1 file, 2 lines": what the problems are about, by kind. */
function problemCounts(problems: readonly ImportProblem[]): string {
  if (problems.length === 0) return 'no problems';
  const counts = new Map<ProblemSubject, number>();
  for (const p of problems) counts.set(subjectOf(p), (counts.get(subjectOf(p)) ?? 0) + 1);
  const plural: Record<ProblemSubject, string> = { file: 'files', folder: 'folders', entry: 'entries', session: 'sessions', line: 'lines', message: 'messages' };
  return `problems: ${[...counts].sort(([a], [b]) => PROBLEM_SUBJECTS.indexOf(a) - PROBLEM_SUBJECTS.indexOf(b)).map(([k, n]) => `${n} ${n === 1 ? k : plural[k]}`).join(', ')}`;
}

function printReport(ctx: Context, r: ImportReport): void {
  const s = ctx.style;
  for (const x of r.sessions) {
    const colour = x.status === 'skipped' || x.status === 'incomplete' ? s.yellow : x.status === 'unchanged' ? s.dim : s.green;
    const counts = `${x.messages} message${x.messages === 1 ? '' : 's'}${x.archived > 0 ? ` + ${x.archived} archived` : ''}`;
    ctx.out(`${colour(x.status.padEnd(9))} ${s.cyan(safe(x.key))}  ${s.dim(counts)}${x.note ? s.dim(` — ${safe(x.note)}`) : ''}`);
  }
  for (const p of r.problems) {
    const whole = subjectOf(p) === 'file' || subjectOf(p) === 'folder';
    const label = !p.fatal ? s.yellow('warning  ') : whole ? s.red('not read ') : s.red('left out ');
    ctx.out(`${label} ${safe(shown(p.file))}${p.line === undefined ? '' : `:${p.line}`}: ${safe(p.reason)}`);
  }
  for (const w of r.warnings ?? []) ctx.out(`${s.yellow('note     ')} ${safe(w)}`);
  const by = (st: string) => r.sessions.filter((x) => x.status === st).length;
  const events = r.sessions.reduce((n, x) => n + x.events, 0);
  ctx.out(
    `${r.dryRun ? s.yellow('dry run: ') : ''}${by('imported')} imported, ${by('updated')} updated, ${by('unchanged')} unchanged, ${by('skipped')} skipped${by('incomplete') > 0 ? `, ${by('incomplete')} incomplete` : ''}; ` +
      `${events} events ${r.dryRun ? 'would be ' : ''}written in ${r.durationMs.toFixed(0)} ms; ${problemCounts(r.problems)}; ${r.ignored.length} ignored`,
  );
}
