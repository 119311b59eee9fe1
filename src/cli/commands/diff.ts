import type { Command } from '../command.js';
import { FIRST_IS_SESSION, integerFlag, WIDTH_FLAG, widthOption } from '../command.js';
import { TurnlogError, isTurnlogError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { renderDiff } from '../render-diff.js';

export const diff: Command = {
  name: 'diff',
  summary: 'what changed between two versions: messages added and removed, summary, metadata',
  usage: 'KEY [--from V] [--to V] [--width N]',
  details: [
    'Default: --to the current version, --from the version before --to (what one event changed).',
    'Messages are told apart by position: a replaced message shows as removed and added, even with the same content.',
    '--from after --to gives the inverse diff.',
  ],
  flags: {
    from: { kind: 'integer', value: 'V', api: 'fromVersion', help: 'the version compared from (0: before the first event; default --to minus 1)' },
    to: { kind: 'integer', value: 'V', api: 'toVersion', help: 'the version compared to (default: the newest)' },
    width: WIDTH_FLAG,
  },
  positionals: { min: 1, max: 1 },
  sessionKey: FIRST_IS_SESSION,
  async run(ctx) {
    const key = ctx.args.positionals[0] as string;
    const log = await ctx.open();
    const from = integerFlag(ctx, 'from');
    const to = integerFlag(ctx, 'to');
    let result;
    try {
      result = await log.diff(key, { ...(from === undefined ? {} : { fromVersion: from }), ...(to === undefined ? {} : { toVersion: to }) });
    } catch (error) {
      // The default --from (the version before --to) is the one GC collected: say which --from still works.
      if (from === undefined && isTurnlogError(error, 'PRUNED') && error.oldestReadable !== undefined) {
        throw new TurnlogError('PRUNED', `${error.message}; compare from it with --from ${error.oldestReadable} (or --from 0: everything as added)`, { oldestReadable: error.oldestReadable });
      }
      throw error;
    }
    if (ctx.json) {
      ctx.emitJson(result);
      return EXIT.OK;
    }
    for (const line of renderDiff(result, ctx.style, widthOption(ctx))) ctx.out(line);
    return EXIT.OK;
  },
};
