import { parseArgs as parseNodeArgs } from 'node:util';
import { UsageError } from './exit-codes.js';

/** What a flag's value must be: integers are checked (whole, in range), never cast. */
export const FLAG_KINDS = ['string', 'boolean', 'integer'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

/** One entry of a command's flag table: how it is parsed, and how help shows it. */
export interface FlagSpec {
  kind: FlagKind;
  /** Shown in help. */
  help: string;
  /** Placeholder in help, e.g. DIR. */
  value?: string;
  /** One-letter alias, e.g. 'n' for `-n 3`. */
  short?: string;
  /** integer: the smallest accepted value (default 0). */
  min?: number;
  /** integer: the largest accepted value (default Number.MAX_SAFE_INTEGER). */
  max?: number;
  /**
   * The library option this flag feeds, when its name differs from the flag's camel-cased name
   * (`--at` feeds `atVersion`): the library's INVALID_ARGUMENT messages name the flag instead.
   */
  api?: string;
}

export type FlagValue = string | boolean | number;

export interface ParsedArgs {
  positionals: string[];
  /** Checked values: an integer flag holds a number in its range, a boolean flag `true`. */
  flags: Record<string, FlagValue>;
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  path: { kind: 'string', value: 'DIR', help: 'an LMDB store (default $TURNLOG_PATH, else ./.turnlog)' },
  url: { kind: 'string', value: 'URL', help: 'a PostgreSQL store instead: postgres://… (default $TURNLOG_URL)' },
  schema: { kind: 'string', value: 'NAME', help: 'its schema (default $TURNLOG_SCHEMA, else turnlog)' },
  json: { kind: 'boolean', help: 'machine-readable output (the data structures of the API)' },
  debug: { kind: 'boolean', help: 'print stack traces on errors' },
  help: { kind: 'boolean', short: 'h', help: 'show help' },
  version: { kind: 'boolean', short: 'V', help: 'print the version' },
};

/** What the parser needs to know of a command. */
export interface CommandFlags {
  name: string;
  flags: Record<string, FlagSpec>;
}

export interface CommandLine<C extends CommandFlags> {
  /** The command named (undefined: none given). */
  command: C | undefined;
  /** Positionals after the command name, and every flag given. */
  args: ParsedArgs;
}

/**
 * Parses a whole command line in one pass with node:util `parseArgs` (strict). Every command's
 * flags are known to that pass, so a flag's value is never taken for the command name wherever
 * the flag stands (`--path DIR sessions`, `sessions --path DIR`); the command's own table then
 * decides which flags it accepts.
 */
export function parseCommandLine<C extends CommandFlags>(argv: readonly string[], commands: readonly C[]): CommandLine<C> {
  const all = allFlags(commands);
  let parsed;
  try {
    parsed = runParser(argv, all);
  } catch (error) {
    // a usage error points to the help of the command typed, found by a lenient second reading
    const named = parseNodeArgs({ args: [...argv], options: nodeOptions(all), strict: false, allowPositionals: true }).positionals[0];
    const command = commands.find((c) => c.name === named);
    throw error instanceof UsageError && command !== undefined && error.command === undefined ? new UsageError(error.message, command.name) : error;
  }
  const [name, ...positionals] = parsed.positionals;
  const command = name === undefined ? undefined : commands.find((c) => c.name === name);
  if (name !== undefined && command === undefined && name !== 'help') throw new UsageError(`unknown command '${name}'`);
  const accepted = { ...GLOBAL_FLAGS, ...(command?.flags ?? {}) };
  const flags: Record<string, FlagValue> = {};
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    const spec = accepted[token.name];
    if (spec === undefined) throw new UsageError(`${command ? `${command.name}: ` : ''}unknown option ${token.rawName}`, command?.name);
    try {
      flags[token.name] = checkValue(token.name, spec, token.value);
    } catch (error) {
      throw error instanceof UsageError && command !== undefined ? new UsageError(error.message, command.name) : error;
    }
  }
  return { command, args: { positionals, flags } };
}

function runParser(argv: readonly string[], all: Record<string, FlagSpec>) {
  try {
    return parseNodeArgs({ args: [...argv], options: nodeOptions(all), strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    throw usageFromNode(error, argv, all);
  }
}

/** The flags of every command, checked to mean the same thing wherever a name is used. */
function allFlags(commands: readonly CommandFlags[]): Record<string, FlagSpec> {
  const all: Record<string, FlagSpec> = { ...GLOBAL_FLAGS };
  const shorts = new Map<string, string>(Object.entries(GLOBAL_FLAGS).flatMap(([n, f]) => (f.short ? [[f.short, n] as [string, string]] : [])));
  for (const c of commands) {
    for (const [name, spec] of Object.entries(c.flags)) {
      const seen = all[name];
      if (seen !== undefined && (seen.kind === 'boolean') !== (spec.kind === 'boolean')) throw new Error(`flag --${name} of ${c.name} takes a value in one command and none in another`);
      if (spec.short !== undefined && (shorts.get(spec.short) ?? name) !== name) throw new Error(`-${spec.short} of ${c.name} is already -${spec.short} of --${shorts.get(spec.short)}`);
      if (spec.short !== undefined) shorts.set(spec.short, name);
      if (seen === undefined || spec.short !== undefined) all[name] = spec;
    }
  }
  return all;
}

function nodeOptions(all: Record<string, FlagSpec>): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const [name, f] of Object.entries(all)) out[name] = { type: f.kind === 'boolean' ? 'boolean' : 'string', ...(f.short === undefined ? {} : { short: f.short }) };
  return out;
}

/** node:util's errors, in this command's words. */
function usageFromNode(error: unknown, argv: readonly string[], all: Record<string, FlagSpec>): Error {
  if (!(error instanceof Error)) return new UsageError(String(error));
  const code = (error as NodeJS.ErrnoException).code;
  const named = /'(-[^' ]*)/.exec(error.message)?.[1] ?? '';
  const long = named.startsWith('--') ? named : `--${Object.entries(all).find(([, f]) => `-${f.short}` === named)?.[0] ?? named.slice(1)}`;
  const spec = all[long.slice(2)];
  const placeholder = spec?.value ? ` (${spec.value})` : '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${named} (an argument that starts with '-' goes after --)`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (error.message.includes('does not take an argument')) return new UsageError(`${named} takes no value`);
    // `--at -1`: a negative number is a value out of range, not a missing one
    const next = argv[argv.indexOf(named) + 1];
    if (spec?.kind === 'integer' && next !== undefined && /^-\d/.test(next)) {
      try {
        checkValue(long.slice(2), spec, next);
      } catch (outOfRange) {
        return outOfRange as Error;
      }
    }
    if (error.message.includes('ambiguous')) return new UsageError(`${named} needs a value${placeholder}; to give one that starts with '-', write ${long}=VALUE`);
    return new UsageError(`${named} needs a value${placeholder}`);
  }
  return error;
}

/** A flag's value, checked against its kind and range. */
function checkValue(name: string, spec: FlagSpec, raw: string | undefined): FlagValue {
  if (spec.kind === 'boolean') return true;
  if (raw === undefined || raw.length === 0) throw new UsageError(`--${name} needs a value${spec.value ? ` (${spec.value})` : ''}`);
  if (spec.kind === 'string') return raw;
  const min = spec.min ?? 0;
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  const n = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, not '${raw}'`);
  return n;
}

/** --replay-window → replayWindow: the library option a flag feeds unless its table says otherwise. */
export function apiName(flag: string, spec: FlagSpec): string {
  return spec.api ?? flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
