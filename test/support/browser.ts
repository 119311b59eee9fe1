import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

/** Debian's chromium, or CHROMIUM_PATH. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

let warned = false;

/**
 * Whether the browser tests can run. Without Chromium they are skipped with one line on stderr,
 * unless TURNLOG_REQUIRE_BROWSER=1 (CI), where its absence is an error.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env['TURNLOG_REQUIRE_BROWSER'] === '1') throw new Error(`TURNLOG_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM} (install Debian's chromium or set CHROMIUM_PATH)`);
  if (!warned) console.warn(`browser tests skipped: no Chromium at ${CHROMIUM} (set CHROMIUM_PATH, or TURNLOG_REQUIRE_BROWSER=1 to fail instead)`);
  warned = true;
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}

/** A running `turnlog inspect --json`: its address, and the process to stop. */
export interface ServedInspector {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node CLI inspect --json …args` and waits for the line that gives its address. */
export function serveInspector(cli: string, args: string[]): Promise<ServedInspector> {
  return new Promise((resolve, reject) => {
    // run as `turnlog`, not through npx: the commands the page prints start with `turnlog`
    const env = { ...process.env };
    delete env['npm_command'];
    const child = spawn(process.execPath, [cli, 'inspect', '--json', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => reject(new Error(`turnlog inspect exited with ${code}: ${err}`)));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n') || line === undefined) return;
      const { url, port } = JSON.parse(line) as { url: string; port: number };
      child.removeAllListeners('exit');
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      resolve({ url, port, child, stop: async () => void (child.exitCode === null && child.kill('SIGTERM'), child.exitCode === null && (await exited)) });
    });
  });
}
