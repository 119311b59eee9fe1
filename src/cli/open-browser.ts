import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Opens the inspector's secret URL in the system browser without putting it on any command
 * line: argv is readable by every local user (`ps`, /proc/PID/cmdline), for the opener and for
 * the browser it starts. The URL goes into a small HTML file that redirects to it, in a fresh
 * directory only this user can enter (0700; the file 0600), and the opener is given the file's
 * path, which holds no secret. The file is removed when the inspector stops (`remove`).
 * A one-time launch code on argv was not chosen: another user reading it first would win it.
 */
export interface LaunchFile {
  /** The file the opener is given (no secret in its path). */
  path: string;
  /** Deletes the file and its directory (idempotent). */
  remove(): void;
}

/** Writes the redirect file for `url` (mode 0600 in a fresh 0700 directory under the system temp dir). */
export function writeLaunchFile(url: string, dir = tmpdir()): LaunchFile {
  const home = mkdtempSync(join(dir, 'turnlog-inspect-'));
  const path = join(home, 'open.html');
  const attr = url.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  writeFileSync(
    path,
    `<!doctype html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${attr}"><title>turnlog inspect</title><a href="${attr}">Open turnlog inspect</a>\n`,
    { mode: 0o600, flag: 'wx' },
  );
  return { path, remove: () => rmSync(home, { recursive: true, force: true }) };
}

/** The system's opener for a file (`xdg-open`, `open`, `start`); a failure is reported to `warn`. */
export function openFile(path: string, warn: (why: string) => void): void {
  const target = process.platform === 'win32' ? path : pathToFileURL(path).href;
  const [cmd, args] = process.platform === 'darwin' ? ['open', [target]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', target]] : ['xdg-open', [target]];
  try {
    const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', (e) => warn(e.message));
    child.on('exit', (code) => void (code !== 0 && code !== null && warn(`${cmd as string} exited with ${code}`)));
    child.unref();
  } catch (error) {
    warn(error instanceof Error ? error.message : String(error));
  }
}
