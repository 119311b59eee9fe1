import type { SessionEvent } from '../../types.js';
import type { Command } from '../command.js';
import { checkRange, FIRST_IS_SESSION, integerFlag, RANGE_FLAGS, versionRange } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { gapNote, keptEvents } from '../kept-events.js';
import { renderEventLine } from '../render.js';

export const log: Command = {
  name: 'log',
  summary: 'the raw events of a session, one per line',
  usage: 'KEY [--from V] [--to V]',
  details: ['Events GC collected are named on stderr (e.g. "events v1..v40 of "k" were collected by GC"), never skipped silently.'],
  flags: RANGE_FLAGS,
  positionals: { min: 1, max: 1 },
  sessionKey: FIRST_IS_SESSION,
  checkArgs: checkRange,
  async run(ctx) {
    const key = ctx.args.positionals[0] as string;
    const store = await ctx.open();
    const latest = Math.min((await ctx.requireSession(key)).version, integerFlag(ctx, 'to') ?? Infinity);
    const range = versionRange(ctx);
    const events = keptEvents((r) => store.readEvents(key, r), (e) => e.version, range, (gap) => ctx.note(gapNote(key, gap, latest)));
    if (ctx.json) {
      // --json prints one document (an array): collected first, unlike the lines below
      const all: SessionEvent[] = [];
      for await (const e of events) all.push(e);
      ctx.emitJson(all);
      return EXIT.OK;
    }
    for await (const e of events) ctx.out(renderEventLine(e, ctx.style));
    return EXIT.OK;
  },
};
