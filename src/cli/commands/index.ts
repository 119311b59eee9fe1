import type { Command } from '../command.js';
import { backup } from './backup.js';
import { diff } from './diff.js';
import { fork } from './fork.js';
import { exportCommand } from './export.js';
import { gc } from './gc.js';
import { history } from './history.js';
import { importCommand } from './import.js';
import { inspect } from './inspect.js';
import { log } from './log.js';
import { replay } from './replay.js';
import { sessions } from './sessions.js';
import { stats } from './stats.js';
import { tail } from './tail.js';
import { verify } from './verify.js';

/** Every subcommand, in help order. */
export const COMMANDS: readonly Command[] = [sessions, history, log, replay, diff, fork, tail, inspect, exportCommand, importCommand, stats, gc, backup, verify];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}
