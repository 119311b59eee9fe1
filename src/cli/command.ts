import type { FlagSpec, FlagValue, ParsedArgs } from './args.js';
import type { Context } from './context.js';
import { UsageError } from './exit-codes.js';

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
  /**
   * The session key the command names and needs to exist, if any: a missing one is reported
   * before `run`, the same way for every command (exit 4).
   */
  sessionKey?: (args: ParsedArgs) => string | undefined;
  /** Usage checks that involve several flags, made before the store is opened (UsageError). */
  checkArgs?: (args: ParsedArgs) => void;
  run(ctx: Context): Promise<number> | number;
}

/** The first positional is a session that must exist. */
export const FIRST_IS_SESSION = (args: ParsedArgs): string | undefined => args.positionals[0];

/**
 * A flag's value, as parsed (already checked against its kind). Prefer the typed accessors
 * below, which check the kind again instead of trusting the type argument.
 */
export function flag<T extends FlagValue>(ctx: Context, name: string): T | undefined {
  return ctx.args.flags[name] as T | undefined;
}

/** A flag's value after checking it has the type the caller reads it as. */
function typed(ctx: Context, name: string, kind: 'string' | 'number' | 'boolean'): FlagValue | undefined {
  const v = ctx.args.flags[name];
  if (v !== undefined && typeof v !== kind) throw new Error(`flag --${name} holds a ${typeof v}, not a ${kind}`);
  return v;
}

export const stringFlag = (ctx: Context, name: string): string | undefined => typed(ctx, name, 'string') as string | undefined;
export const integerFlag = (ctx: Context, name: string): number | undefined => typed(ctx, name, 'number') as number | undefined;
export const booleanFlag = (ctx: Context, name: string): boolean => typed(ctx, name, 'boolean') === true;

/** --from / --to as the library's ReadEventsOptions (log, replay). */
export const RANGE_FLAGS: Record<string, FlagSpec> = {
  from: { kind: 'integer', value: 'V', api: 'fromVersion', help: 'first version (default: the oldest kept)' },
  to: { kind: 'integer', value: 'V', api: 'toVersion', help: 'last version (default: the newest)' },
};

/** An inverted range would print nothing and look like an empty log: it is a usage error. */
export function checkRange(args: ParsedArgs): void {
  const { from, to } = args.flags;
  if (typeof from === 'number' && typeof to === 'number' && from > to) throw new UsageError(`--from ${from} is after --to ${to}: nothing lies between them`);
}

/** --from / --to as given (checked by `checkRange`). */
export function versionRange(ctx: Context): { from: number | undefined; to: number | undefined } {
  return { from: integerFlag(ctx, 'from'), to: integerFlag(ctx, 'to') };
}

/** --width N: fold long contents to N characters; 0 folds nothing. */
export const WIDTH_FLAG: FlagSpec = { kind: 'integer', value: 'N', help: 'fold contents longer than N characters (default 100; 0: never fold)' };

export function widthOption(ctx: Context, fallback = 100): number {
  const w = integerFlag(ctx, 'width') ?? fallback;
  return w === 0 ? Infinity : w;
}
