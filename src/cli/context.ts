import { resolve } from 'node:path';
import { openSessionLog } from '../open.js';
import type { SessionLog } from '../engine/session-log.js';
import type { SessionLogOptions } from '../engine/options.js';
import type { ParsedArgs } from './args.js';
import { Progress } from './progress.js';
import { colourWanted, makeStyle } from './style.js';
import type { Style } from './style.js';

/** What a command gets: its arguments, output streams, style, and a way to open the store. */
export interface Context {
  args: ParsedArgs;
  json: boolean;
  style: Style;
  path: string;
  now: number;
  out(line?: string): void;
  /** One JSON document on stdout. */
  emitJson(value: unknown): void;
  progress(label: string): Progress;
  /** Opens the store; read commands never create one (a missing store is NOT_FOUND). */
  open(options?: Partial<SessionLogOptions>): SessionLog;
}

export interface Io {
  stdout: { isTTY?: boolean; write(s: string): boolean };
  stderr: { isTTY?: boolean; write(s: string): boolean };
  env: NodeJS.ProcessEnv;
}

export function makeContext(args: ParsedArgs, io: Io): Context {
  const json = args.flags['json'] === true;
  const style = makeStyle(!json && colourWanted(io.stdout, io.env));
  const path = resolve((args.flags['path'] as string | undefined) ?? io.env['TURNLOG_PATH'] ?? '.turnlog');
  const opened: SessionLog[] = [];
  return {
    args,
    json,
    style,
    path,
    now: Date.now(),
    out: (line = '') => void io.stdout.write(`${line}\n`),
    emitJson: (value) => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    progress: (label) => new Progress(io.stderr, label, !json),
    open: (options = {}) => {
      const log = openSessionLog({ path, create: false, ...options });
      opened.push(log);
      return log;
    },
  };
}
