import type { Command } from '../command.js';
import { flag } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { renderEventLine } from '../render.js';

export const log: Command = {
  name: 'log',
  summary: 'the raw events of a session, one per line',
  usage: 'KEY [--from V] [--to V]',
  flags: {
    from: { kind: 'integer', value: 'V', help: 'first version (default: the oldest kept)' },
    to: { kind: 'integer', value: 'V', help: 'last version (default: the newest)' },
  },
  positionals: { min: 1, max: 1 },
  run(ctx) {
    const key = ctx.args.positionals[0] as string;
    const from = flag<number>(ctx, 'from');
    const to = flag<number>(ctx, 'to');
    const events = ctx.open().readEvents(key, { ...(from === undefined ? {} : { fromVersion: from }), ...(to === undefined ? {} : { toVersion: to }) });
    if (ctx.json) {
      ctx.emitJson([...events]);
      return EXIT.OK;
    }
    for (const e of events) ctx.out(renderEventLine(e, ctx.style));
    return EXIT.OK;
  },
};
