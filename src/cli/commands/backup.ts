import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { booleanFlag } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { safe } from '../style.js';

export const backup: Command = {
  name: 'backup',
  summary: 'a consistent copy of the store into DEST (new or empty directory)',
  usage: 'DEST [--compact]',
  details: [
    '--compact leaves LMDB free pages out: the way to shrink a store (see docs/operations.md).',
    'The copy is complete or refused: interrupted, it leaves DEST/.turnlog-backup-partial and DEST is refused when opened.',
    'LMDB stores only: a PostgreSQL store is backed up with pg_dump (the command says so, exit 2).',
  ],
  flags: { compact: { kind: 'boolean', help: 'write a compacted copy' } },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const dest = resolve(ctx.args.positionals[0] as string);
    const compact = booleanFlag(ctx, 'compact');
    const log = await ctx.open();
    const started = performance.now();
    await log.backup(dest, { compact });
    const result = { dest, compact, durationMs: Math.round(performance.now() - started) };
    if (ctx.json) ctx.emitJson(result);
    else ctx.out(`${compact ? 'compacted ' : ''}backup written to ${safe(dest)} in ${result.durationMs} ms`);
    return EXIT.OK;
  },
};
