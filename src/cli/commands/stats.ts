import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { columns, safe } from '../style.js';

/** 1.2 MB, 340 KB, 512 B. */
export function bytes(n: unknown): string {
  const b = Number(n);
  if (b >= 1048576) return `${(b / 1048576).toFixed(1)} MB`;
  if (b >= 1024) return `${(b / 1024).toFixed(0)} KB`;
  return `${b} B`;
}

export const stats: Command = {
  name: 'stats',
  summary: 'sessions, events, live and dead bytes, file size, pages, readers (PostgreSQL: table sizes)',
  usage: '',
  flags: {},
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const s = await (await ctx.open()).stats();
    if (ctx.json) {
      ctx.emitJson(s);
      return EXIT.OK;
    }
    const st = s.storage;
    const b = ctx.style.bold;
    const counts = [
      [b('sessions'), s.sessions.toLocaleString('en-US')],
      [b('events'), s.events.toLocaleString('en-US')],
    ];
    // each store says what its storage is: LMDB a file of pages, PostgreSQL tables (whose dead
    // rows VACUUM reclaims, so turnlog counts no dead bytes there)
    const rows =
      st['backend'] === 'postgres'
        ? [
            [b('store'), safe(ctx.where)],
            ...counts,
            [b('log tables'), `${bytes(st['logTableBytes'])} (events, messages, states; with their indexes)`],
            [b('other tables'), `${bytes(st['otherTableBytes'])} (sessions, event ids, purges; with their indexes)`],
          ]
        : [
            [b('store'), safe(ctx.where)],
            ...counts,
            [b('log bytes'), `${bytes(s.logBytes)} (live ${bytes(s.liveBytes)}, dead ${bytes(s.deadBytes)})`],
            [b('data file'), `${bytes(st['fileBytes'])}, ${st['pages']} pages of ${st['pageSize']} B: ${st['pagesInUse']} in use, ${st['pagesFree']} free`],
            [b('readers'), `${st['readers']} of ${st['maxReaders']}`],
          ];
    rows.push([b('format'), `store ${s.format.store}, projection ${s.format.projection}`]);
    if (s.pendingPurges > 0) rows.push([b('purging'), `${s.pendingPurges} removed sessions still being deleted`]);
    for (const line of columns(rows)) ctx.out(line);
    return EXIT.OK;
  },
};
