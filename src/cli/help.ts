import { GLOBAL_FLAGS } from './args.js';
import type { FlagSpec } from './args.js';
import type { Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { EXIT } from './exit-codes.js';

function flagLines(flags: Record<string, FlagSpec>): string[] {
  const rows = Object.entries(flags).map(([name, f]) => [`${f.short ? `-${f.short}, ` : '    '}--${name}${f.value ? ` ${f.value}` : ''}`, f.help]);
  const w = Math.max(...rows.map((r) => (r[0] as string).length));
  return rows.map(([a, b]) => `  ${(a as string).padEnd(w)}  ${b}`);
}

export function mainHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'turnlog — inspect, replay and maintain a turnlog session store',
    '',
    'Usage: turnlog COMMAND [ARGS] [--path DIR | --url URL] [--json]',
    '       turnlog help COMMAND',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Options for every command:',
    ...flagLines(GLOBAL_FLAGS),
    '',
    `Exit codes: ${EXIT.OK} success, ${EXIT.FAILURE} runtime failure, ${EXIT.USAGE} usage error, ${EXIT.MISMATCH} verify found mismatches,`,
    `${EXIT.NO_SESSION} no session of the KEY given, ${EXIT.CONFLICT} fork: NEWKEY already exists.`,
    "Run 'turnlog COMMAND --help' for a command's options. Docs: docs/cli.md",
    '',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  return [
    `turnlog ${c.name} — ${c.summary}`,
    '',
    `Usage: turnlog ${c.name}${c.usage ? ` ${c.usage}` : ''} [--path DIR | --url URL] [--json]`,
    ...(c.details ? ['', ...c.details] : []),
    '',
    'Options:',
    ...flagLines({ ...c.flags, ...GLOBAL_FLAGS }),
    '',
  ].join('\n');
}
