import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemorySessionLog } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { startInspector } from '../src/inspect/server.js';
import type { Inspector } from '../src/inspect/server.js';
import { http } from './support/http.js';

/**
 * Requests that must never end the process serving the inspector (the CLI, or an app that
 * embeds startInspector): each gets an answer with the security headers, or a closed connection.
 */
const TOKEN = 'r'.repeat(43);
let log: SessionLog;
let ins: Inspector;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown): void => void unhandled.push(e);

beforeEach(async () => {
  unhandled.length = 0;
  process.on('unhandledRejection', onUnhandled);
  log = openMemorySessionLog();
  await log.addMessage('chat:1', 'user', 'hello');
  ins = await startInspector(log, { token: TOKEN, allowWrites: true });
});
afterEach(async () => {
  await ins.close();
  await log.close();
  process.off('unhandledRejection', onUnhandled);
});

/** Sends `raw` bytes on one connection; resolves with everything the server sent before closing. */
function rawRequest(port: number, raw: string, opts: { end?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => (opts.end === false ? socket.write(raw) : socket.end(raw)));
    let got = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (got += c));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

const expectHeaders = (headers: Record<string, unknown>): void => {
  expect(String(headers['content-security-policy'])).toContain("default-src 'self'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
};

/** The server still answers (it was not killed or wedged). */
async function stillServing(): Promise<void> {
  const r = await http(ins.port, `/t/${TOKEN}/api/sessions`);
  expect(r.status).toBe(200);
  expect(unhandled).toEqual([]);
}

describe('inspector: requests that must not end the process', () => {
  it('a path the URL parser refuses (/t/TOKEN//[/) is a 400 with the security headers', async () => {
    for (const path of [`/t/${TOKEN}//[/`, `/t/${TOKEN}//[::1/api/sessions`, `/t/${TOKEN}//a:b@/`]) {
      const r = await http(ins.port, path);
      expect(r.status, path).toBe(400);
      expectHeaders(r.headers);
    }
    await stillServing();
  });

  it('a fork whose client goes away mid-body is dropped; the server goes on', async () => {
    const head = `POST /t/${TOKEN}/api/fork HTTP/1.1\r\nHost: 127.0.0.1:${ins.port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"key":"chat:1",`;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(ins.port, '127.0.0.1', () => socket.write(head, () => setImmediate(() => socket.destroy())));
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await stillServing();
    expect(await log.getSession('chat:1-x')).toBeUndefined();
  });

  it('a fork body over 64 KB gets a 413 (not a reset), then the connection closes', async () => {
    const body = JSON.stringify({ key: 'chat:1', newKey: 'x'.repeat(200_000), atVersion: 1 });
    const r = await http(ins.port, `/t/${TOKEN}/api/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(413);
    expectHeaders(r.headers);
    await stillServing();
  });

  it('/t/TOKEN without its slash is redirected to the page, /t/TOKEN/', async () => {
    const r = await http(ins.port, `/t/${TOKEN}`);
    expect(r.status).toBe(308);
    expect(r.headers['location']).toBe(`/t/${TOKEN}/`);
    expectHeaders(r.headers);
    expect((await http(ins.port, `/t/${'x'.repeat(43)}`)).status).toBe(403);
  });

  it('a request Node cannot parse gets a 400 with the security headers', async () => {
    for (const raw of [`GET /t/${TOKEN}/ HTTP/1.1\r\nHost: 127.0.0.1:${ins.port}\r\nBad Header\r\n\r\n`, 'NOT-HTTP\r\n\r\n']) {
      const answer = await rawRequest(ins.port, raw);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer.toLowerCase()).toContain("content-security-policy: default-src 'self'");
      expect(answer.toLowerCase()).toContain('x-content-type-options: nosniff');
    }
    await stillServing();
  });

  it('a store that fails is a 500 with the security headers, never an unhandled rejection', async () => {
    const broken = new Proxy(log, {
      get(target, p, receiver) {
        if (p === 'listSessions' || p === 'getSession') return () => Promise.reject(new Error('store down'));
        return Reflect.get(target, p, receiver) as unknown;
      },
    });
    const b = await startInspector(broken, { token: TOKEN });
    try {
      for (const path of ['api/sessions', 'api/view?key=chat:1&version=1', 'api/events?key=chat:1']) {
        const r = await http(b.port, `/t/${TOKEN}/${path}`);
        expect(r.status, path).toBe(500);
        expectHeaders(r.headers);
      }
    } finally {
      await b.close();
    }
    expect(unhandled).toEqual([]);
  });
});
