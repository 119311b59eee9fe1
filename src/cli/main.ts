#!/usr/bin/env node
import { readFileSync } from 'node:fs';

/**
 * The `turnlog` command. This release ships the library and the demo; the inspection commands
 * (sessions, history, log, replay, tail, export, stats, gc, backup, verify, import) come next.
 * Exit codes: 0 success, 2 usage error.
 */
const HELP = `turnlog — an event-sourced session log for AI agents, on LMDB

Usage:
  turnlog --help       show this help
  turnlog --version    print the version

The library is the main entry point: import { openSessionLog } from 'turnlog'.
See docs/api.md. Try it: npm run demo

Exit codes: 0 success, 2 usage error.
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const args = process.argv.slice(2);
if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
} else if (args.includes('--version') || args.includes('-V')) {
  process.stdout.write(`${version()}\n`);
} else {
  process.stderr.write(`turnlog: unknown command '${args[0]}' (see turnlog --help)\n`);
  process.exitCode = 2;
}
