import { UsageError } from './exit-codes.js';

export type FlagKind = 'string' | 'boolean' | 'integer';

export interface FlagSpec {
  kind: FlagKind;
  /** Shown in help. */
  help: string;
  /** Placeholder in help, e.g. DIR. */
  value?: string;
}

export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean | number>;
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: Record<string, FlagSpec> = {
  path: { kind: 'string', value: 'DIR', help: 'the store (default $TURNLOG_PATH, else ./.turnlog)' },
  json: { kind: 'boolean', help: 'machine-readable output (the data structures of the API)' },
  debug: { kind: 'boolean', help: 'print stack traces on errors' },
  help: { kind: 'boolean', help: 'show help' },
};

/** A small, strict parser: --flag value, --flag=value, booleans; unknown flags are usage errors. */
export function parseArgs(argv: readonly string[], specs: Record<string, FlagSpec>): ParsedArgs {
  const all = { ...GLOBAL_FLAGS, ...specs };
  const out: ParsedArgs = { positionals: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h') {
      out.flags['help'] = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = all[name];
    if (spec === undefined) throw new UsageError(`unknown option --${name}`);
    if (spec.kind === 'boolean') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      out.flags[name] = true;
      continue;
    }
    let value: string | undefined = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value${spec.value ? ` (${spec.value})` : ''}`);
    if (spec.kind === 'integer') {
      if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, not '${value}'`);
      out.flags[name] = Number(value);
    } else out.flags[name] = value;
    value = undefined;
  }
  return out;
}
