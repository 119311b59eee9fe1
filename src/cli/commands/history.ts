import type { Command } from '../command.js';
import { flag } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { renderMessage } from '../render.js';
import { fold } from '../style.js';

export const history: Command = {
  name: 'history',
  summary: 'the history as the model would get it, summary on top',
  usage: 'KEY [--at VERSION]',
  flags: {
    at: { kind: 'integer', value: 'VERSION', help: 'as it was right after this version' },
    width: { kind: 'integer', value: 'N', help: 'fold contents longer than N characters (default 100)' },
  },
  positionals: { min: 1, max: 1 },
  run(ctx) {
    const key = ctx.args.positionals[0] as string;
    const log = ctx.open();
    const at = flag<number>(ctx, 'at');
    const opts = at === undefined ? {} : { atVersion: at };
    const messages = log.getHistory(key, opts);
    const summary = log.getSummary(key, opts);
    const info = log.getSession(key);
    const version = at ?? info?.version ?? 0;
    if (ctx.json) {
      ctx.emitJson({ key, version, summary, messages });
      return EXIT.OK;
    }
    const s = ctx.style;
    if (info === undefined) {
      ctx.out(s.dim(`no session ${JSON.stringify(key)}`));
      return EXIT.OK;
    }
    ctx.out(`${s.bold(key)} ${s.dim(`at v${version} · ${messages.length} message${messages.length === 1 ? '' : 's'}`)}`);
    if (summary.length > 0) ctx.out(`${s.yellow('summary')}   ${fold(summary, flag<number>(ctx, 'width') ?? 100)}`);
    for (const m of messages) for (const line of renderMessage(m, s, flag<number>(ctx, 'width') ?? 100)) ctx.out(line);
    return EXIT.OK;
  },
};
