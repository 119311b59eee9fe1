import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import type { SessionLog } from '../../engine/session-log.js';
import { isTurnlogError } from '../../errors.js';
import type { SessionEvent } from '../../types.js';
import type { Command } from '../command.js';
import { flag } from '../command.js';
import type { Context } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { renderEventLine } from '../render.js';

/** How often --follow looks for new events when the file watcher stays quiet, in ms. */
const POLL_MS = 250;

export const tail: Command = {
  name: 'tail',
  summary: 'the last events of a session; --follow prints new ones as they are written',
  usage: 'KEY [-n N] [--follow]',
  details: ['With --follow and --json, each event is one JSON line. Stop with Ctrl-C (exit 0).'],
  flags: {
    lines: { kind: 'integer', value: 'N', help: 'how many of the last events (default 10)' },
    follow: { kind: 'boolean', help: 'keep printing new events, from any process, until Ctrl-C' },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx) {
    const key = ctx.args.positionals[0] as string;
    const log = ctx.open();
    const n = Math.max(0, flag<number>(ctx, 'lines') ?? 10);
    const version = log.getSession(key)?.version ?? 0;
    const follow = flag<boolean>(ctx, 'follow') === true;
    const first = [...eventsFrom(log, key, Math.max(1, version - n + 1))];
    if (ctx.json && !follow) {
      ctx.emitJson(first);
      return EXIT.OK;
    }
    const print = (e: SessionEvent): void => ctx.out(ctx.json ? JSON.stringify(e) : renderEventLine(e, ctx.style));
    for (const e of first) print(e);
    if (!follow) return EXIT.OK;
    await followEvents(ctx, log, key, version, print);
    return EXIT.OK;
  },
};

/** Events from `version` on, or from the oldest kept one when GC collected that far. */
function eventsFrom(log: SessionLog, key: string, version: number): Iterable<SessionEvent> {
  try {
    return log.readEvents(key, { fromVersion: version });
  } catch (error) {
    if (!isTurnlogError(error, 'PRUNED') || error.oldestReadable === undefined) throw error;
    return log.readEvents(key, { fromVersion: error.oldestReadable + 1 });
  }
}

/** Prints events after `seen` as they appear; resolves on SIGINT or SIGTERM. */
function followEvents(ctx: Context, log: SessionLog, key: string, seen: number, print: (e: SessionEvent) => void): Promise<void> {
  return new Promise((resolve) => {
    let last = seen;
    let watcher: FSWatcher | undefined;
    const check = (): void => {
      const current = log.getSession(key)?.version ?? 0;
      if (current < last) {
        // deleted (and maybe recreated): start over from its first event
        if (!ctx.json) ctx.out(ctx.style.yellow(`— ${key} was deleted or expired —`));
        last = 0;
      }
      if (current > last) {
        for (const e of eventsFrom(log, key, last + 1)) print(e);
        last = current;
      }
    };
    const timer = setInterval(check, POLL_MS);
    try {
      watcher = watch(ctx.path, () => check());
    } catch {
      watcher = undefined; // polling alone still works
    }
    const stop = (): void => {
      clearInterval(timer);
      watcher?.close();
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
