import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { safe } from '../style.js';

export const verify: Command = {
  name: 'verify',
  summary: 're-fold every session from its events and compare with checkpoints and indexes',
  usage: '',
  details: [
    'Exit 0 when everything agrees, 3 when something does not (each mismatch is listed).',
    'Histories holding a tool result without its call (in any message format) are listed as warnings: not a store fault, but a model API would refuse them.',
  ],
  flags: {},
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const log = await ctx.open();
    const progress = ctx.progress('verifying');
    const report = await log.verify({ onProgress: (done, total) => progress.update(done, total) });
    progress.done();
    if (ctx.json) ctx.emitJson(report);
    else {
      for (const m of report.mismatches) ctx.out(`${ctx.style.red('mismatch')} ${ctx.style.cyan(safe(m.key))}: ${safe(m.problem)}`);
      for (const o of report.orphanedResults) ctx.out(`${ctx.style.yellow('warning')} ${ctx.style.cyan(safe(o.key))}: ${o.indexes.length} tool result${o.indexes.length === 1 ? ' without its call' : 's without their calls'} (history index ${o.indexes.join(', ')})`);
      const summary = `${report.sessions} sessions, ${report.events} events, ${report.checkpoints} checkpoints`;
      ctx.out(report.ok ? ctx.style.green(`ok: ${summary} agree`) : ctx.style.red(`${report.mismatches.length} mismatch${report.mismatches.length === 1 ? '' : 'es'} in ${summary}`));
    }
    return report.ok ? EXIT.OK : EXIT.MISMATCH;
  },
};
