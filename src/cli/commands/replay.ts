import type { Command } from '../command.js';
import { rangeOptions, RANGE_FLAGS } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { renderReplayStep } from '../render.js';

export const replay: Command = {
  name: 'replay',
  summary: 'step through the events, showing what each changed in the history',
  usage: 'KEY [--from V] [--to V]',
  flags: RANGE_FLAGS,
  positionals: { min: 1, max: 1 },
  run(ctx) {
    const key = ctx.args.positionals[0] as string;
    const steps = ctx.open().replay(key, rangeOptions(ctx));
    if (ctx.json) {
      ctx.emitJson([...steps]);
      return EXIT.OK;
    }
    for (const step of steps) for (const line of renderReplayStep(step, ctx.style)) ctx.out(line);
    return EXIT.OK;
  },
};
