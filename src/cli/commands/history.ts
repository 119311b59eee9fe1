import type { Command } from '../command.js';
import { FIRST_IS_SESSION, integerFlag, WIDTH_FLAG, widthOption } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { renderMessage } from '../render.js';
import { fold, safe } from '../style.js';

export const history: Command = {
  name: 'history',
  summary: 'the history as the model would get it, summary on top',
  usage: 'KEY [--at VERSION] [--width N]',
  flags: {
    at: { kind: 'integer', value: 'VERSION', api: 'atVersion', help: 'as it was right after this version' },
    width: WIDTH_FLAG,
  },
  positionals: { min: 1, max: 1 },
  sessionKey: FIRST_IS_SESSION,
  async run(ctx) {
    const key = ctx.args.positionals[0] as string;
    const log = await ctx.open();
    const info = await ctx.requireSession(key);
    // one version for every read, so a concurrent append cannot mix two states
    const version = integerFlag(ctx, 'at') ?? info.version;
    const messages = await log.getHistory(key, { atVersion: version });
    const summary = await log.getSummary(key, { atVersion: version });
    if (ctx.json) {
      ctx.emitJson({ key, version, summary, messages });
      return EXIT.OK;
    }
    const s = ctx.style;
    const width = widthOption(ctx);
    ctx.out(`${s.bold(safe(key))} ${s.dim(`at v${version} · ${messages.length} message${messages.length === 1 ? '' : 's'}`)}`);
    if (summary.length > 0) ctx.out(`${s.yellow('summary')}   ${fold(summary, width)}`);
    for (const m of messages) for (const line of renderMessage(m, s, width)) ctx.out(line);
    return EXIT.OK;
  },
};
