import { startInspector } from '../../inspect/server.js';
import type { Command } from '../command.js';
import { booleanFlag, integerFlag } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { openFile, writeLaunchFile } from '../open-browser.js';
import type { LaunchFile } from '../open-browser.js';
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
      onError: (error) => ctx.note(`live updates: ${error instanceof Error ? error.message : String(error)} (said once; retrying)`),
      onRecovered: () => ctx.note('live updates: the store can be read again'),
    });
    // listening for Ctrl-C/SIGTERM before the address is printed: whoever reads it may stop us at once
    const stop = stopped(ctx.signal);
    let launch: LaunchFile | undefined;
    try {
      if (ctx.json) ctx.out(JSON.stringify({ url: inspector.url, port: inspector.port, allowWrites }));
      else {
        ctx.out(`turnlog inspect: ${ctx.where}${allowWrites ? ' (writes allowed: the page can fork sessions)' : ' (read-only)'}`);
        ctx.out(`  ${ctx.style.bold(inspector.url)}`);
        ctx.out(ctx.style.dim('  The address holds a secret token: share it only with who may read these conversations. Ctrl-C stops.'));
      }
      if (booleanFlag(ctx, 'open')) {
        // never the URL itself on a command line (ps shows it to every local user): a private file that redirects to it
        const warn = (why: string): void => ctx.note(`could not open a browser (${why}); open the address above`);
        try {
          launch = writeLaunchFile(inspector.url);
          openFile(launch.path, warn);
        } catch (error) {
          warn(error instanceof Error ? error.message : String(error));
        }
      }
      await stop;
    } finally {
      launch?.remove();
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
