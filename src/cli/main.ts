#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { TurnlogError } from '../errors.js';
import { apiName, GLOBAL_FLAGS, parseCommandLine } from './args.js';
import type { ParsedArgs } from './args.js';
import type { Command } from './command.js';
import { COMMANDS, findCommand } from './commands/index.js';
import { makeContext } from './context.js';
import type { Context, Io } from './context.js';
import { invokedAs } from './context.js';
import { EXIT, NoSessionError, UsageError } from './exit-codes.js';
import { commandHelp, mainHelp } from './help.js';
import { DeletedWhileReading } from './kept-events.js';
import { maskCredentials } from './store.js';
import { safe } from './style.js';

/**
 * The `turnlog` command: a thin layer over the library. Errors are one line on stderr (a stack
 * trace only with --debug) and a documented exit code. Every store opened is closed on the way
 * out, whatever happened.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let command: Command | undefined;
  let args: ParsedArgs | undefined;
  let ctx: Context | undefined;
  let code: number;
  try {
    ({ command, args } = parseCommandLine(argv, COMMANDS));
    code = await run(command, args, io, (c) => (ctx = c));
  } catch (error) {
    code = report(error, io, command, args, argv.includes('--debug'));
  }
  try {
    await ctx?.close();
  } catch (error) {
    if (code === EXIT.OK) code = report(error, io, command, args, argv.includes('--debug'));
  }
  return code;
}

async function run(command: Command | undefined, args: ParsedArgs, io: Io, opened: (ctx: Context) => void): Promise<number> {
  if (args.flags['version'] === true) {
    io.stdout.write(`${version()}\n`);
    return EXIT.OK;
  }
  if (command === undefined) {
    // no command, or `turnlog help [COMMAND]`
    const topic = args.positionals[0];
    if (topic === undefined) {
      if (onlyHelpAsked(args)) io.stdout.write(mainHelp());
      else throw new UsageError('no command given');
      return EXIT.OK;
    }
    const about = findCommand(topic);
    if (about === undefined) throw new UsageError(`unknown command '${topic}'`);
    io.stdout.write(commandHelp(about));
    return EXIT.OK;
  }
  if (args.flags['help'] === true) {
    io.stdout.write(commandHelp(command));
    return EXIT.OK;
  }
  const n = args.positionals.length;
  if (n < command.positionals.min) throw new UsageError(`${command.name} needs ${missingArguments(command, n)} (usage: turnlog ${command.name} ${command.usage})`);
  if (n > command.positionals.max) throw new UsageError(`${command.name}: unexpected argument '${args.positionals[command.positionals.max]}'`);
  command.checkArgs?.(args);
  const ctx = makeContext(args, io);
  opened(ctx);
  const key = command.sessionKey?.(args);
  if (key !== undefined) await ctx.requireSession(key);
  return await command.run(ctx);
}

/**
 * The required arguments not given, by their names in the usage string (`fork KEY` lacks
 * NEWKEY, not KEY): the words before the first optional one or flag, from the n-th on.
 */
export function missingArguments(command: Command, given: number): string {
  const words = command.usage.split(' ');
  const stop = words.findIndex((w) => w.startsWith('[') || w.startsWith('-'));
  const missing = words.slice(0, stop === -1 ? words.length : stop).slice(given, command.positionals.min);
  return missing.length > 1 ? `${missing.slice(0, -1).join(', ')} and ${missing[missing.length - 1]}` : (missing[0] ?? 'an argument');
}

/** `turnlog` alone, or with --help, prints the main help; other flags without a command are a usage error. */
function onlyHelpAsked(args: ParsedArgs): boolean {
  return Object.keys(args.flags).every((f) => f === 'help');
}

/** One line on stderr for an error, and its exit code. */
function report(error: unknown, io: Io, command: Command | undefined, args: ParsedArgs | undefined, debug: boolean): number {
  // messages quote keys, values and file names as given: never raw on a terminal; and a
  // driver's message or a stack may quote a connection URL: never with its password
  const line = (text: string): void => void io.stderr.write(`turnlog: ${safe(maskCredentials(text))}\n`);
  const stack = (): void => {
    if (debug && error instanceof Error) io.stderr.write(`${(error.stack ?? '').split('\n').map((l) => safe(maskCredentials(l))).join('\n')}\n`);
  };
  // a usage error points to the help of the command typed
  const help = (about: string | undefined): string => ` (see ${invokedAs(io.env)} ${about === undefined ? '' : `${about} `}--help)`;
  if (error instanceof UsageError) {
    line(`${error.message}${help(command?.name ?? error.command)}`);
    return EXIT.USAGE;
  }
  if (error instanceof NoSessionError || error instanceof DeletedWhileReading) {
    line(error.message);
    stack();
    return EXIT.NO_SESSION;
  }
  if (error instanceof TurnlogError && error.code === 'INVALID_ARGUMENT') {
    line(`${inFlagTerms(error.message, command, args)}${help(command?.name)}`);
    stack();
    return EXIT.USAGE;
  }
  if (error instanceof TurnlogError && error.code === 'CONFLICT') {
    line(`${error.message} [${error.code}]`);
    stack();
    return EXIT.CONFLICT;
  }
  line(error instanceof TurnlogError ? `${error.message} [${error.code}]` : error instanceof Error ? error.message : String(error));
  stack();
  return EXIT.FAILURE;
}

/** "atVersion must be…" → "--at must be…": the library names its options, the user typed flags. */
function inFlagTerms(message: string, command: Command | undefined, args: ParsedArgs | undefined): string {
  if (command === undefined || args === undefined) return message;
  for (const [name, spec] of Object.entries({ ...command.flags, ...GLOBAL_FLAGS })) {
    if (args.flags[name] === undefined) continue;
    const api = apiName(name, spec);
    if (message.startsWith(api) && /^[\s:]/.test(message.slice(api.length))) return `--${name}${message.slice(api.length)}`;
  }
  return message;
}

/** The package's version, from dist/src/cli (the bin) or src/cli (run from source). */
function version(): string {
  for (const up of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'turnlog' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not this level
    }
  }
  throw new Error('cannot find the package.json of turnlog');
}

// Run when executed as the bin (not when imported by tests).
const invoked = process.argv[1] ?? '';
if (invoked.endsWith('/cli/main.js') || invoked.endsWith('/turnlog')) {
  // `turnlog log KEY | head`: the reader went away; that is not an error. Stop writing, close
  // the store and exit 0.
  const gone = new AbortController();
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    gone.abort();
  });
  const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: gone.signal });
  process.exitCode = gone.signal.aborted ? EXIT.OK : code; // not process.exit(): pending stdout writes still drain
}
