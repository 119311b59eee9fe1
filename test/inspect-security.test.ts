import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemorySessionLog } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { startInspector } from '../src/inspect/server.js';
import type { Inspector } from '../src/inspect/server.js';
import { hostAllowed, pathUnderToken, safeJson, sameSecret } from '../src/inspect/security.js';
import { http } from './support/http.js';

const TOKEN = 'k'.repeat(43);
let log: SessionLog;
let ins: Inspector;

beforeEach(async () => {
  log = openMemorySessionLog();
  await log.addMessage('chat:1', 'user', 'hello');
  ins = await startInspector(log, { token: TOKEN });
});
afterEach(async () => {
  await ins.close();
  await log.close();
});

const api = (path: string): string => `/t/${TOKEN}/${path}`;

describe('inspector: token', () => {
  it('refuses every request without the token, with a wrong one, or with one of the same length', async () => {
    for (const path of ['/', '/api/sessions', '/t/', '/t//api/sessions', `/t/${'x'.repeat(43)}/api/sessions`, `/t/${TOKEN.slice(1)}/api/sessions`, `/t/${TOKEN}x/api/sessions`, `/api/sessions?token=${TOKEN}`]) {
      const r = await http(ins.port, path);
      expect(r.status, path).toBe(403);
      expect(r.body).not.toContain('chat:1');
    }
    const ok = await http(ins.port, api('api/sessions'));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ sessions: [{ key: 'chat:1', messageCount: 1 }] });
  });

  it('makes a fresh 256-bit token per start, in the URL it reports', async () => {
    const other = await startInspector(log);
    try {
      expect(other.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(other.url).toBe(`http://127.0.0.1:${other.port}/t/${other.token}/`);
      expect((await http(other.port, `/t/${TOKEN}/api/sessions`)).status).toBe(403);
      expect((await http(other.port, `/t/${other.token}/api/sessions`)).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('compares in constant time on hashes: any length, no prefix match', () => {
    expect(sameSecret(TOKEN, TOKEN)).toBe(true);
    expect(sameSecret(TOKEN.slice(0, 10), TOKEN)).toBe(false);
    expect(sameSecret('', TOKEN)).toBe(false);
    expect(pathUnderToken(`/t/${TOKEN}/api/x?y=1`, TOKEN)).toBe('/api/x?y=1');
    expect(pathUnderToken(`/t/${TOKEN}`, TOKEN)).toBe(''); // redirected to /t/TOKEN/
    expect(pathUnderToken(`/t/%ZZ/api`, TOKEN)).toBeUndefined();
  });
});

describe('inspector: Host (DNS rebinding)', () => {
  it('answers only requests naming 127.0.0.1 and its port, before looking at the token', async () => {
    for (const host of ['localhost:' + ins.port, 'evil.example:' + ins.port, '127.0.0.1', `127.0.0.1:${ins.port + 1}`, `[::1]:${ins.port}`, `127.0.0.1:${ins.port}.evil.example`]) {
      const r = await http(ins.port, api('api/sessions'), { headers: { host } });
      expect(r.status, host).toBe(421);
      expect(r.body).not.toContain('chat:1');
    }
    expect(hostAllowed(undefined, ins.port)).toBe(false);
  });
});

describe('inspector: methods', () => {
  it('refuses every request but GET and HEAD when writes are not allowed, and writes nothing', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await http(ins.port, api('api/fork'), { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'chat:1', newKey: 'chat:2', atVersion: 1 }) });
      expect(r.status, method).toBe(405);
      expect(r.headers['allow']).toBe('GET, HEAD');
    }
    expect(await log.getSession('chat:2')).toBeUndefined();
    expect((await http(ins.port, api('api/sessions'), { method: 'HEAD' })).status).toBe(200);
  });

  it('with writes allowed, a write must be JSON and come from the page’s own origin', async () => {
    const rw = await startInspector(log, { token: TOKEN, allowWrites: true });
    try {
      const body = JSON.stringify({ key: 'chat:1', newKey: 'chat:2', atVersion: 1 });
      const form = await http(rw.port, api('api/fork'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(form.status).toBe(403);
      const foreign = await http(rw.port, api('api/fork'), { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body });
      expect(foreign.status).toBe(403);
      expect((await http(rw.port, api('api/fork'), { method: 'DELETE' })).status).toBe(405);
      expect(await log.getSession('chat:2')).toBeUndefined();
    } finally {
      await rw.close();
    }
  });
});

describe('inspector: headers', () => {
  it('sends a strict CSP, nosniff, no-referrer and no CORS header on every answer, refusals included', async () => {
    const answers = await Promise.all([
      http(ins.port, api('')),
      http(ins.port, api('style.css')),
      http(ins.port, api('api/sessions'), { headers: { origin: 'http://evil.example' } }),
      http(ins.port, api('api/nothing')),
      http(ins.port, '/t/wrong/api/sessions'),
      http(ins.port, api('api/sessions'), { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } }),
    ]);
    for (const r of answers) {
      const csp = String(r.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
      expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
    const html = answers[0]?.body ?? '';
    expect(html).toContain('<script type="module" src="app.js"></script>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(html).not.toMatch(/\sstyle=/);
  });

  it('binds to 127.0.0.1 only', async () => {
    expect(ins.url.startsWith(`http://127.0.0.1:${ins.port}/`)).toBe(true);
  });
});

describe('inspector: JSON escaping', () => {
  it('writes <, >, & and U+2028/2029 as escapes, and the value reads back the same', async () => {
    const nasty = '</script><img src=x onerror=alert(1)> & \u2028\u2029 "quoted"';
    await log.addMessage(`x:${nasty}`, 'user', nasty);
    await log.setSummary(`x:${nasty}`, nasty);
    for (const path of ['api/sessions', `api/view?key=${encodeURIComponent(`x:${nasty}`)}&version=2`]) {
      const r = await http(ins.port, api(path));
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(r.body).not.toMatch(/[<>&\u2028\u2029]/);
      expect(r.body).toContain('\\u003c/script\\u003e');
      expect(JSON.stringify(JSON.parse(r.body))).toContain(JSON.stringify(nasty).slice(1, -1));
    }
    expect(safeJson({ a: '<>&\u2028\u2029' })).toBe('{"a":"\\u003c\\u003e\\u0026\\u2028\\u2029"}');
  });
});

describe('the page’s code', () => {
  it('never parses HTML or evaluates strings: stored text only ever reaches the DOM as text', () => {
    const dir = new URL('../src/inspect/client/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files).toContain('dom.ts');
    for (const f of files) {
      const code = readFileSync(new URL(f, dir), 'utf8');
      expect(code, f).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|DOMParser|createContextualFragment|setAttribute\(\s*['"](?:on|style|src)/);
    }
    // the one place attributes are set: a link's href only when it is a fragment of the page
    expect(readFileSync(new URL('dom.ts', dir), 'utf8')).toContain("attrs.href.startsWith('#')");
  });
});
