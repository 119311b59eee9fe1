import type { Command } from '../command.js';
import { rangeOptions, RANGE_FLAGS } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { renderEventLine } from '../render.js';

export const log: Command = {
  name: 'log',
  summary: 'the raw events of a session, one per line',
  usage: 'KEY [--from V] [--to V]',
  flags: RANGE_FLAGS,
  positionals: { min: 1, max: 1 },
  run(ctx) {
    const key = ctx.args.positionals[0] as string;
    const events = ctx.open().readEvents(key, rangeOptions(ctx));
    if (ctx.json) {
      ctx.emitJson([...events]);
      return EXIT.OK;
    }
    for (const e of events) ctx.out(renderEventLine(e, ctx.style));
    return EXIT.OK;
  },
};
