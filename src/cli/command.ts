import type { FlagSpec } from './args.js';
import type { Context } from './context.js';
import type { ReadEventsOptions } from '../types.js';

/** One subcommand of `turnlog`: its help and its run function (returns the exit code). */
export interface Command {
  name: string;
  summary: string;
  /** Arguments after the command name, e.g. 'KEY [--at VERSION]'. */
  usage: string;
  /** Extra lines of help. */
  details?: string[];
  flags: Record<string, FlagSpec>;
  positionals: { min: number; max: number };
  run(ctx: Context): Promise<number> | number;
}

export function flag<T extends string | number | boolean>(ctx: Context, name: string): T | undefined {
  return ctx.args.flags[name] as T | undefined;
}

/** --from / --to as the library's ReadEventsOptions (log, replay). */
export const RANGE_FLAGS: Record<string, FlagSpec> = {
  from: { kind: 'integer', value: 'V', help: 'first version (default: the oldest kept)' },
  to: { kind: 'integer', value: 'V', help: 'last version (default: the newest)' },
};

export function rangeOptions(ctx: Context): ReadEventsOptions {
  const from = flag<number>(ctx, 'from');
  const to = flag<number>(ctx, 'to');
  return { ...(from === undefined ? {} : { fromVersion: from }), ...(to === undefined ? {} : { toVersion: to }) };
}
