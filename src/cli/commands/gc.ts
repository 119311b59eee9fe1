import type { Command } from '../command.js';
import { flag } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { columns } from '../style.js';

export const gc: Command = {
  name: 'gc',
  summary: 'expire idle sessions and collect versions older than the replay window',
  usage: '[--dry-run] [--ttl DURATION] [--replay-window DURATION] [--max-expire-share SHARE]',
  details: [
    'Durations: ms or 90s, 15m, 12h, 30d, 2w; --replay-window also 0 or Infinity.',
    'A run that would expire more than --max-expire-share of the sessions (default 0.5, and more than 10) expires none: a clock jump must not empty the store.',
  ],
  flags: {
    'dry-run': { kind: 'boolean', help: 'count what would be removed, remove nothing' },
    ttl: { kind: 'string', value: 'DURATION', help: 'expire sessions idle longer than this (default: never)' },
    'replay-window': { kind: 'string', value: 'DURATION', help: 'keep old versions readable this long (default 7d)' },
    'max-expire-share': { kind: 'string', value: 'SHARE', help: 'largest share of the sessions one run may expire, 0 to 1 (default 0.5; 1: no guard)' },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const ttl = flag<string>(ctx, 'ttl');
    const window = flag<string>(ctx, 'replay-window');
    const log = await ctx.open({ ...(ttl === undefined ? {} : { ttl }), ...(window === undefined ? {} : { replayWindow: window }) });
    const progress = ctx.progress(flag<boolean>(ctx, 'dry-run') === true ? 'gc dry run: sessions' : 'gc: transactions');
    const share = flag<string>(ctx, 'max-expire-share');
    const maxExpireShare = share === undefined ? {} : { maxExpireShare: share.trim() === '' ? Number.NaN : Number(share) };
    const dryRun = flag<boolean>(ctx, 'dry-run') === true;
    const report = await log.gc({ dryRun, ...maxExpireShare, onProgress: (r) => progress.update(dryRun ? r.sessionsExpired + r.sessionsCompacted : r.transactions) });
    progress.done();
    if (ctx.json) {
      ctx.emitJson(report);
      return EXIT.OK;
    }
    const b = ctx.style.bold;
    ctx.out(report.dryRun ? ctx.style.yellow('dry run: nothing was removed') : ctx.style.green('gc done'));
    const rows = [
      [b('sessions expired'), String(report.sessionsExpired)],
      ...(report.expiryHeldBack > 0 ? [[b('expiry held back'), ctx.style.yellow(`${report.expiryHeldBack} sessions idle past the ttl kept (more than the allowed share of the store: is the clock right? --max-expire-share 1 expires them)`)]] : []),
      ...(report.compactionHeldBack ? [[b('compaction held back'), ctx.style.yellow('old versions kept too in this run, for the same reason')]] : []),
      ...(report.stopped ? [[b('stopped'), ctx.style.yellow('the store was closed part-way; the next gc carries on')]] : []),
      [b('sessions compacted'), String(report.sessionsCompacted)],
      [b('events removed'), String(report.eventsRemoved)],
      [b('checkpoints removed'), String(report.checkpointsRemoved)],
      [b('chunks removed'), String(report.chunksRemoved)],
      [b('bytes removed'), report.bytesRemoved.toLocaleString('en-US')],
      [b('time'), `${report.durationMs.toFixed(0)} ms in ${report.transactions} transactions (longest ${report.longestTransactionMs.toFixed(1)} ms)`],
    ];
    for (const line of columns(rows)) ctx.out(line);
    return EXIT.OK;
  },
};
