import { importOpenclaw, importPicoclaw } from '../../import/index.js';
import { importTurnlogJsonl } from '../../import/turnlog-jsonl.js';
import type { ImportReport } from '../../import/types.js';
import type { SessionLog } from '../../engine/session-log.js';
import { isTurnlogError } from '../../errors.js';
import { openMemorySessionLog } from '../../open.js';
import type { Command } from '../command.js';
import { flag } from '../command.js';
import type { Context } from '../context.js';
import { EXIT, UsageError } from '../exit-codes.js';

const FORMATS = { picoclaw: importPicoclaw, openclaw: importOpenclaw, jsonl: importTurnlogJsonl } as const;

export const importCommand: Command = {
  name: 'import',
  summary: 'import picoclaw or openclaw sessions, or a turnlog jsonl export (sources are only read)',
  usage: 'picoclaw|openclaw|jsonl SOURCE [--dry-run]',
  details: [
    'picoclaw SOURCE: a sessions folder, a workspace, or the picoclaw home (every workspace*/sessions).',
    'openclaw SOURCE: an agent sessions folder, or the state directory (every agents/*/sessions).',
    'jsonl SOURCE: a file written by turnlog export --format jsonl.',
    'Running it again changes nothing; a picoclaw session that grew by appending brings in only what is new.',
    'Exit 0: everything imported; 1: finished, but some files could not be read (each listed); 2: usage or fatal error.',
  ],
  flags: { 'dry-run': { kind: 'boolean', help: 'read and plan, write nothing' } },
  positionals: { min: 2, max: 2 },
  async run(ctx) {
    const [format, source] = ctx.args.positionals as [string, string];
    if (format !== 'picoclaw' && format !== 'openclaw' && format !== 'jsonl') throw new UsageError(`import: the format must be picoclaw, openclaw or jsonl, not '${format}'`);
    const dryRun = flag<boolean>(ctx, 'dry-run') === true;
    const log = dryRun ? openForDryRun(ctx) : ctx.open({ create: true });
    const progress = ctx.progress(`importing ${format}`);
    const report = await FORMATS[format](log, source, { dryRun, onProgress: (d, t) => progress.update(d, t) });
    progress.done();
    if (ctx.json) ctx.emitJson(report);
    else printReport(ctx, report);
    return report.problems.some((p) => p.fatal) ? EXIT.FAILURE : EXIT.OK;
  },
};

/** A dry run writes nothing, not even a new store: against a missing store it plans in memory. */
function openForDryRun(ctx: Context): SessionLog {
  try {
    return ctx.open();
  } catch (error) {
    if (isTurnlogError(error, 'NOT_FOUND')) return openMemorySessionLog();
    throw error;
  }
}

function printReport(ctx: Context, r: ImportReport): void {
  const s = ctx.style;
  for (const x of r.sessions) {
    const colour = x.status === 'skipped' ? s.yellow : x.status === 'unchanged' ? s.dim : s.green;
    const counts = `${x.messages} message${x.messages === 1 ? '' : 's'}${x.archived > 0 ? ` + ${x.archived} archived` : ''}`;
    ctx.out(`${colour(x.status.padEnd(9))} ${s.cyan(x.key)}  ${s.dim(counts)}${x.note ? s.dim(` — ${x.note}`) : ''}`);
  }
  for (const p of r.problems) ctx.out(`${p.fatal ? s.red('not read ') : s.yellow('warning  ')} ${p.file}${p.line === undefined ? '' : `:${p.line}`}: ${p.reason}`);
  const by = (st: string) => r.sessions.filter((x) => x.status === st).length;
  const events = r.sessions.reduce((n, x) => n + x.events, 0);
  ctx.out(
    `${r.dryRun ? s.yellow('dry run: ') : ''}${by('imported')} imported, ${by('updated')} updated, ${by('unchanged')} unchanged, ${by('skipped')} skipped; ` +
      `${events} events ${r.dryRun ? 'would be ' : ''}written in ${r.durationMs.toFixed(0)} ms; ${r.problems.filter((p) => p.fatal).length} files not read, ${r.ignored.length} ignored`,
  );
}
