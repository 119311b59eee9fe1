import type { Command } from '../command.js';
import { flag } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { columns, fold, relativeTime } from '../style.js';

export const sessions: Command = {
  name: 'sessions',
  summary: 'list sessions, most recently updated first',
  usage: '[--prefix P] [--limit N] [--cursor C]',
  flags: {
    prefix: { kind: 'string', value: 'P', help: 'only keys starting with P' },
    limit: { kind: 'integer', value: 'N', help: 'at most N sessions (default 50)' },
    cursor: { kind: 'string', value: 'C', help: 'continue after a previous page (its cursor)' },
  },
  positionals: { min: 0, max: 0 },
  run(ctx) {
    const log = ctx.open();
    const prefix = flag<string>(ctx, 'prefix');
    const cursor = flag<string>(ctx, 'cursor');
    const page = log.listSessions({ limit: flag<number>(ctx, 'limit') ?? 50, ...(prefix === undefined ? {} : { prefix }), ...(cursor === undefined ? {} : { cursor }) });
    if (ctx.json) {
      ctx.emitJson(page);
      return EXIT.OK;
    }
    if (page.sessions.length === 0) {
      ctx.out(ctx.style.dim('no sessions'));
      return EXIT.OK;
    }
    const s = ctx.style;
    const rows = [[s.bold('KEY'), s.bold('MSGS'), s.bold('VER'), s.bold('UPDATED'), s.bold('SUMMARY')]];
    for (const x of page.sessions) {
      rows.push([s.cyan(x.key), String(x.messageCount), String(x.version), relativeTime(x.updatedAt, ctx.now), s.dim(fold(x.summary, 48))]);
    }
    for (const line of columns(rows)) ctx.out(line);
    if (page.cursor !== undefined) ctx.out(s.dim(`more: turnlog sessions --cursor ${page.cursor}`));
    return EXIT.OK;
  },
};
