import { spawn } from 'node:child_process';
import { startInspector } from '../../inspect/server.js';
import type { Command } from '../command.js';
import { booleanFlag, integerFlag } from '../command.js';
import type { Context } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { storeFlagsGiven } from '../store.js';

export const inspect: Command = {
  name: 'inspect',
  summary: 'a local web page to step through what the model saw at every version, live',
  usage: '[--port N] [--open] [--allow-writes]',
  details: [
    'Serves on 127.0.0.1 only and prints the address, which holds a secret token: every request',
    'needs it. Read-only unless --allow-writes (which lets the page fork a session). Runs until',
    'Ctrl-C (exit 0). With --json, prints {"url", "port", "allowWrites"} once and keeps serving.',
    'Safety model and limits: docs/inspect.md',
  ],
  flags: {
    port: { kind: 'integer', value: 'N', max: 65535, help: 'TCP port on 127.0.0.1 (default: a free one)' },
    open: { kind: 'boolean', help: 'open the page in the system browser' },
    'allow-writes': { kind: 'boolean', help: 'let the page fork sessions (default: read-only)' },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const log = await ctx.open();
    const allowWrites = booleanFlag(ctx, 'allow-writes');
    const inspector = await startInspector(log, {
      port: integerFlag(ctx, 'port') ?? 0,
      allowWrites,
      storeArgs: storeFlagsGiven(ctx.args.flags),
      command: ctx.invokedAs,
      onError: (error) => ctx.note(`live updates: ${error instanceof Error ? error.message : String(error)}`),
    });
    // listening for Ctrl-C/SIGTERM before the address is printed: whoever reads it may stop us at once
    const stop = stopped(ctx.signal);
    try {
      if (ctx.json) ctx.out(JSON.stringify({ url: inspector.url, port: inspector.port, allowWrites }));
      else {
        ctx.out(`turnlog inspect: ${ctx.where}${allowWrites ? ' (writes allowed: the page can fork sessions)' : ' (read-only)'}`);
        ctx.out(`  ${ctx.style.bold(inspector.url)}`);
        ctx.out(ctx.style.dim('  The address holds a secret token: share it only with who may read these conversations. Ctrl-C stops.'));
      }
      if (booleanFlag(ctx, 'open')) openBrowser(inspector.url, ctx);
      await stop;
    } finally {
      await inspector.close();
    }
    return EXIT.OK;
  },
};

/** Resolves on SIGINT, SIGTERM or the context's signal. */
function stopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    signal.addEventListener('abort', done);
    if (signal.aborted) done();
  });
}

/** The system's opener; a failure is a warning (the URL is printed anyway). */
function openBrowser(url: string, ctx: Context): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  const warn = (why: string): void => ctx.note(`could not open a browser (${why}); open the address above`);
  try {
    const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', (e) => warn(e.message));
    child.on('exit', (code) => void (code !== 0 && code !== null && warn(`${cmd as string} exited with ${code}`)));
    child.unref();
  } catch (error) {
    warn(error instanceof Error ? error.message : String(error));
  }
}
