import type { FlagSpec } from './args.js';
import type { Context } from './context.js';

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
