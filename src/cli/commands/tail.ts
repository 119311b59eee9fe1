import type { SessionEvent } from '../../types.js';
import type { Command } from '../command.js';
import { booleanFlag, integerFlag } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { Follower, followUntilStopped } from '../follow.js';
import { gapNote, keptEvents } from '../kept-events.js';
import { renderEventLine } from '../render.js';

export const tail: Command = {
  name: 'tail',
  summary: 'the last events of a session; --follow prints new ones as they are written',
  usage: 'KEY [-n N] [--follow]',
  details: [
    'With --follow and --json, each event is one JSON line. Stop with Ctrl-C (exit 0).',
    'With --follow, a KEY that does not exist yet is waited for; events GC collected before they',
    'were shown, and a session deleted meanwhile, are named on stderr, never skipped silently.',
  ],
  flags: {
    lines: { kind: 'integer', short: 'n', value: 'N', help: 'how many of the last events (default 10)' },
    follow: { kind: 'boolean', short: 'f', help: 'keep printing new events, from any process, until Ctrl-C' },
  },
  positionals: { min: 1, max: 1 },
  // following a session that does not exist yet waits for it
  sessionKey: (args) => (args.flags['follow'] === true ? undefined : args.positionals[0]),
  async run(ctx) {
    const key = ctx.args.positionals[0] as string;
    const log = await ctx.open();
    const n = integerFlag(ctx, 'lines') ?? 10;
    const follow = booleanFlag(ctx, 'follow');
    const info = follow ? await log.getSession(key) : await ctx.requireSession(key);
    const version = info?.version ?? 0;
    // the window is exactly the last n versions; GC may have collected some of them
    const window = keptEvents((r) => log.readEvents(key, r), (e) => e.version, { from: version - n + 1, to: version }, (gap) => ctx.note(gapNote(key, gap, version)));
    // at most n events, printed only once all are read (a gap note comes before them)
    const first: SessionEvent[] = [];
    if (version > 0 && n > 0) for await (const e of window) first.push(e);
    if (ctx.json && !follow) {
      ctx.emitJson(first);
      return EXIT.OK;
    }
    const print = (e: SessionEvent): void => ctx.out(ctx.json ? JSON.stringify(e) : renderEventLine(e, ctx.style));
    for (const e of first) print(e);
    if (!follow) return EXIT.OK;
    const follower = new Follower(log, key, { version, createdAt: info?.createdAt }, print, ctx.note);
    await follower.check();
    await followUntilStopped(ctx.store.kind === 'lmdb' ? ctx.store.path : undefined, () => follower.check(), ctx.signal);
    return EXIT.OK;
  },
};
