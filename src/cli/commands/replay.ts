import type { ReplayStep } from '../../engine/replay.js';
import type { Command } from '../command.js';
import { checkRange, FIRST_IS_SESSION, integerFlag, RANGE_FLAGS, versionRange, WIDTH_FLAG, widthOption } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { gapNote, keptEvents } from '../kept-events.js';
import { renderReplayStep } from '../render.js';

export const replay: Command = {
  name: 'replay',
  summary: 'step through the events, showing what each changed in the history',
  usage: 'KEY [--from V] [--to V] [--width N]',
  details: ['Events GC collected are named on stderr, never skipped silently.'],
  flags: { ...RANGE_FLAGS, width: { ...WIDTH_FLAG, help: 'fold contents longer than N characters (default 90; 0: never fold)' } },
  positionals: { min: 1, max: 1 },
  sessionKey: FIRST_IS_SESSION,
  checkArgs: checkRange,
  async run(ctx) {
    const key = ctx.args.positionals[0] as string;
    const store = await ctx.open();
    const latest = Math.min((await ctx.requireSession(key)).version, integerFlag(ctx, 'to') ?? Infinity);
    const range = versionRange(ctx);
    const steps = keptEvents((r) => store.replay(key, r), (s) => s.event.version, range, (gap) => ctx.note(gapNote(key, gap, latest)));
    if (ctx.json) {
      // --json prints one document (an array): collected first, unlike the lines below
      const all: ReplayStep[] = [];
      for await (const step of steps) all.push(step);
      ctx.emitJson(all);
      return EXIT.OK;
    }
    const width = widthOption(ctx, 90);
    for await (const step of steps) for (const line of renderReplayStep(step, ctx.style, width)) ctx.out(line);
    return EXIT.OK;
  },
};
