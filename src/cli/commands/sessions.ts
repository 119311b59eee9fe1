import { isTurnlogError } from '../../errors.js';
import type { SessionLog } from '../../engine/session-log.js';
import type { SessionPage } from '../../types.js';
import { MAX_LIST_LIMIT } from '../../engine/listing.js';
import type { Command } from '../command.js';
import { integerFlag, stringFlag } from '../command.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { storeFlagsGiven } from '../store.js';
import { columns, fold, relativeTime, safe, shellQuote } from '../style.js';

export const sessions: Command = {
  name: 'sessions',
  summary: 'list sessions, most recently updated first',
  usage: '[--prefix P] [--limit N] [--cursor C]',
  flags: {
    prefix: { kind: 'string', value: 'P', help: 'only keys starting with P' },
    limit: { kind: 'integer', value: 'N', min: 1, max: MAX_LIST_LIMIT, help: `at most N sessions (default 50, at most ${MAX_LIST_LIMIT})` },
    cursor: { kind: 'string', value: 'C', help: 'continue after a previous page (its cursor)' },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const log = await ctx.open();
    const prefix = stringFlag(ctx, 'prefix');
    const cursor = stringFlag(ctx, 'cursor');
    const limit = integerFlag(ctx, 'limit');
    let page: SessionPage;
    try {
      page = await fullPage(log, limit ?? 50, prefix, cursor);
    } catch (error) {
      if (isTurnlogError(error, 'INVALID_ARGUMENT') && cursor !== undefined && error.message.startsWith('cursor')) {
        throw new UsageError(`--cursor ${shellQuote(cursor)} is not one that 'turnlog sessions' printed`);
      }
      throw error;
    }
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
      rows.push([s.cyan(safe(x.key)), String(x.messageCount), String(x.version), relativeTime(x.updatedAt, ctx.now), s.dim(fold(x.summary, 48))]);
    }
    for (const line of columns(rows)) ctx.out(line);
    if (page.cursor !== undefined) {
      // the next page of the same listing: same store (a URL's password masked), page size and prefix
      const same = [
        ...storeFlagsGiven(ctx.args.flags),
        ...(limit === undefined ? [] : ['--limit', String(limit)]),
        ...(prefix === undefined ? [] : ['--prefix', prefix]),
      ];
      ctx.out(s.dim(`more: ${ctx.invokedAs} ${['sessions', ...same, '--cursor', page.cursor].map(shellQuote).join(' ')}`));
    }
    return EXIT.OK;
  },
};

/**
 * One screen of sessions: the library examines a bounded part of the store per call, so with a
 * rare prefix a call may return fewer than `limit` sessions and a cursor. The CLI keeps asking
 * until it has `limit` sessions or the listing ends, so a page is never empty while more follow.
 */
async function fullPage(log: SessionLog, limit: number, prefix: string | undefined, cursor: string | undefined): Promise<SessionPage> {
  const sessions: SessionPage['sessions'] = [];
  let next = cursor;
  for (;;) {
    const page = await log.listSessions({ limit: limit - sessions.length, ...(prefix === undefined ? {} : { prefix }), ...(next === undefined ? {} : { cursor: next }) });
    sessions.push(...page.sessions);
    next = page.cursor;
    if (next === undefined || sessions.length >= limit) return next === undefined ? { sessions } : { sessions, cursor: next };
  }
}
