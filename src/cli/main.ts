#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { TurnlogError } from '../errors.js';
import { parseArgs } from './args.js';
import { findCommand } from './commands/index.js';
import { makeContext } from './context.js';
import type { Io } from './context.js';
import { EXIT, UsageError } from './exit-codes.js';
import { commandHelp, mainHelp } from './help.js';

/**
 * The `turnlog` command: a thin layer over the library. Errors are one line on stderr (a stack
 * trace only with --debug) and a documented exit code.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const at = commandIndex(argv);
    const name = at === -1 ? undefined : argv[at];
    const rest = at === -1 ? [...argv] : [...argv.slice(0, at), ...argv.slice(at + 1)];
    if (name === undefined || name === 'help') {
      if (rest.includes('--version') || rest.includes('-V')) io.stdout.write(`${version()}\n`);
      else if (rest.length === 0 || rest.includes('--help') || rest.includes('-h') || name === 'help') io.stdout.write(mainHelp());
      else throw new UsageError('no command given');
      return EXIT.OK;
    }
    const command = findCommand(name);
    if (command === undefined) throw new UsageError(`unknown command '${name}'`);
    const args = parseArgs(rest, command.flags);
    if (args.flags['help'] === true) {
      io.stdout.write(commandHelp(command));
      return EXIT.OK;
    }
    const n = args.positionals.length;
    if (n < command.positionals.min) throw new UsageError(`${command.name} needs ${command.usage.split(' ')[0]} (usage: turnlog ${command.name} ${command.usage})`);
    if (n > command.positionals.max) throw new UsageError(`${command.name}: unexpected argument '${args.positionals[command.positionals.max]}'`);
    return await command.run(makeContext(args, io));
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`turnlog: ${error.message} (see turnlog --help)\n`);
      return EXIT.USAGE;
    }
    if (error instanceof TurnlogError && error.code === 'INVALID_ARGUMENT') {
      io.stderr.write(`turnlog: ${error.message}\n`);
      if (debug) io.stderr.write(`${error.stack}\n`);
      return EXIT.USAGE;
    }
    const message = error instanceof TurnlogError ? `${error.message} [${error.code}]` : error instanceof Error ? error.message : String(error);
    io.stderr.write(`turnlog: ${message}\n`);
    if (debug && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    return EXIT.FAILURE;
  }
}

/** The command is the first word that is neither an option nor the value of a global option. */
function commandIndex(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--path') i++;
    else if (!a.startsWith('-')) return i;
  }
  return -1;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

// Run when executed as the bin (not when imported by tests).
const invoked = process.argv[1] ?? '';
if (invoked.endsWith('/cli/main.js') || invoked.endsWith('/turnlog')) {
  // `turnlog log KEY | head`: the reader went away; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.OK);
    throw error;
  });
  const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.exitCode = code; // not process.exit(): pending stdout writes still drain
}
