import type { Command } from '../command.js';
import { integerFlag, stringFlag } from '../command.js';
import { isTurnlogError } from '../../errors.js';
import { EXIT, NoSessionError, UsageError } from '../exit-codes.js';
import { safe } from '../style.js';

export const fork: Command = {
  name: 'fork',
  summary: 'copy a session at a version into a new session, to replay from there',
  usage: 'KEY NEWKEY [--at VERSION] [--event-id ID]',
  details: [
    'NEWKEY gets the history, summary and metadata KEY had at that version (default: its current one);',
    'its first event (session.forked) names KEY and the version. KEY is not changed.',
    `Exit ${EXIT.CONFLICT} when NEWKEY already exists (nothing is written); ${EXIT.NO_SESSION} when KEY does not exist.`,
  ],
  flags: {
    at: { kind: 'integer', value: 'VERSION', api: 'atVersion', help: 'copy the session as it was right after this version (0: empty)' },
    'event-id': { kind: 'string', value: 'ID', api: 'eventId', help: 'idempotency key: the same fork again is reported as a duplicate, not an error' },
  },
  positionals: { min: 2, max: 2 },
  // No sessionKey check up front: a retry with --event-id is a duplicate even once KEY is gone.
  checkArgs(args) {
    if (args.positionals[0] === args.positionals[1]) throw new UsageError('KEY and NEWKEY must differ: a fork makes a new session');
  },
  async run(ctx) {
    const [key, newKey] = ctx.args.positionals as [string, string];
    const log = await ctx.open();
    const at = integerFlag(ctx, 'at');
    const eventId = stringFlag(ctx, 'event-id');
    let result;
    try {
      result = await log.forkSession(key, newKey, { ...(at === undefined ? {} : { atVersion: at }), ...(eventId === undefined ? {} : { eventId }) });
    } catch (error) {
      // The store is open: NOT_FOUND here is KEY (exit 4, as every command reports a missing session).
      if (isTurnlogError(error, 'NOT_FOUND')) throw new NoSessionError(key, ctx.where);
      throw error;
    }
    // The count comes with the result: reading the new session back at that version would fail
    // PRUNED on a retry once GC collected it, though the retry is a valid duplicate.
    const { messageCount, ...shown } = result;
    if (ctx.json) {
      ctx.emitJson({ key: newKey, ...shown });
      return EXIT.OK;
    }
    const s = ctx.style;
    const from = result.forkedFrom === undefined ? '' : ` from ${s.bold(safe(result.forkedFrom.key))} at v${result.forkedFrom.version}`;
    const count = messageCount === undefined ? '' : ` · ${messageCount} message${messageCount === 1 ? '' : 's'}`;
    ctx.out(`${result.duplicate === true ? s.yellow('already forked') : s.green('forked')}${from} → ${s.bold(safe(newKey))} ${s.dim(`v${result.version}${count}`)}`);
    return EXIT.OK;
  },
};
