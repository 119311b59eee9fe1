import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMemorySessionLog } from '../src/open.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { eventsPage, MAX_SIZE_KEYS, sessionSizes, sessionsPage, versionView } from '../src/inspect/api.js';
import { humanBytes } from '../src/inspect/client/dom.js';
import { LiveHub } from '../src/inspect/live.js';
import { showMessages } from '../src/inspect/pairs.js';
import { startInspector } from '../src/inspect/server.js';
import type { LiveMessage } from '../src/inspect/protocol.js';
import type { Message } from '../src/types.js';
import { http } from './support/http.js';
import { toolTurn } from './support/messages.js';

let log: SessionLog;
let now = Date.UTC(2026, 10, 1);
beforeEach(() => {
  log = openMemorySessionLog({ clock: () => (now += 1000) });
});
afterEach(async () => {
  await log.close();
});

describe('sessions page', () => {
  it('newest first, prefix search, cursor paging, each row with version, count, activity and summary', async () => {
    for (let i = 0; i < 7; i++) await log.addMessages(`${i % 2 === 0 ? 'tg' : 'cli'}:${i}`, toolTurn(`q${i}`, `c${i}`));
    await log.setSummary('tg:0', 'short summary');
    const first = await sessionsPage(log, { limit: 3 });
    expect(first.sessions.map((s) => s.key)).toEqual(['tg:0', 'tg:6', 'cli:5']);
    expect(first.sessions[0]).toMatchObject({ version: 2, messageCount: 4, summary: 'short summary' });
    expect(Object.keys(first.sessions[0] ?? {}).sort()).toEqual(['createdAt', 'key', 'messageCount', 'summary', 'updatedAt', 'version']);
    expect(first.store).toEqual({ sessions: 7, logBytes: expect.any(Number) });
    const second = await sessionsPage(log, { limit: 3, cursor: first.cursor as string });
    expect(second.sessions.map((s) => s.key)).toEqual(['tg:4', 'cli:3', 'tg:2']);
    expect(second.store).toBeUndefined();
    expect((await sessionsPage(log, { limit: 10, prefix: 'cli:' })).sessions.map((s) => s.key)).toEqual(['cli:5', 'cli:3', 'cli:1']);
  });
});

describe('session sizes', () => {
  it('are getSessionSize of each key asked, unknown keys left out', async () => {
    await log.addMessages('a', toolTurn('q', 'c'));
    for (let i = 0; i < 5; i++) await log.addMessage('b', 'user', 'x'.repeat(300));
    const { sizes } = await sessionSizes(log, ['b', 'gone', 'a']);
    expect(sizes).toEqual([
      { key: 'b', ...(await log.getSessionSize('b')) },
      { key: 'a', ...(await log.getSessionSize('a')) },
    ]);
    expect(sizes[0]?.bytes).toBeGreaterThan(1500);
    expect(sizes[0]?.events).toBe(5);
  });

  it('over HTTP: one request for a page of keys, at most MAX_SIZE_KEYS, a bad key refused', async () => {
    await log.addMessage('chat:1', 'user', 'hello');
    const ins = await startInspector(log);
    try {
      const get = (keys: string[]) => http(ins.port, `${new URL(ins.url).pathname}api/sizes?${keys.map((k) => `key=${encodeURIComponent(k)}`).join('&')}`);
      const ok = await get(['chat:1', 'chat:2']);
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toEqual({ sizes: [{ key: 'chat:1', ...(await log.getSessionSize('chat:1')) }] });
      expect((await get(Array.from({ length: MAX_SIZE_KEYS }, (_, i) => `k${i}`))).status).toBe(200);
      expect((await get(Array.from({ length: MAX_SIZE_KEYS + 1 }, (_, i) => `k${i}`))).status).toBe(400);
      expect((await get([])).status).toBe(400);
      expect((await get(['ok', ''])).status).toBe(400);
    } finally {
      await ins.close();
    }
  });

  it('read as people read sizes: decimal units, three digits', () => {
    expect([0, 999, 1000, 12_400, 99_949, 99_950, 999_499, 999_950, 1_234_567, 5e9].map(humanBytes)).toEqual(['0 B', '999 B', '1.0 kB', '12.4 kB', '99.9 kB', '100 kB', '999 kB', '1.0 MB', '1.2 MB', '5.0 GB']);
  });
});

describe('event timeline', () => {
  it('pages newest first with one line per event, and marks cuts', async () => {
    for (let i = 0; i < 5; i++) await log.addMessages('s', toolTurn(`q${i}`, `c${i}`));
    await log.setSummary('s', 'sum', { through: 3 });
    await log.updateMetadata('s', { model: 'x' });
    const page = await eventsPage(log, 's', { limit: 4 });
    expect(page?.events.map((e) => [e.version, e.type])).toEqual([[7, 'metadata.updated'], [6, 'summary.set'], [5, 'messages.added'], [4, 'messages.added']]);
    expect(page?.events[1]?.cutAt).toBe(12);
    expect(page?.events[1]?.line).toBe('"sum" through v3');
    expect(page).toMatchObject({ latest: 7, oldest: 1, before: 4 });
    const older = await eventsPage(log, 's', { limit: 4, before: 4 });
    expect(older?.events.map((e) => e.version)).toEqual([3, 2, 1]);
    expect(older?.before).toBeUndefined();
    expect(await eventsPage(log, 'nobody', { limit: 4 })).toBeUndefined();
  });
});

describe('version view', () => {
  it('shows exactly getHistory at each version, with summary, metadata and the change of that version', async () => {
    await log.updateMetadata('s', { channel: 'tg' });
    for (let i = 0; i < 4; i++) await log.addMessages('s', toolTurn(`q${i}`, `c${i}`));
    await log.setSummary('s', 'asked twice', { through: 3 });
    await log.truncateHistory('s', 2, { safe: true });
    const latest = (await log.getSession('s'))?.version ?? 0;
    for (let v = 1; v <= latest; v++) {
      const view = await versionView(log, 's', v, 1000);
      expect(view?.messages.map((m) => m.message), `v${v}`).toEqual(await log.getHistory('s', { atVersion: v }));
      expect(view?.summary).toBe(await log.getSummary('s', { atVersion: v }));
    }
    const summary = await versionView(log, 's', 6, 1000);
    expect(summary?.event?.type).toBe('summary.set');
    expect(summary?.diff?.removed).toHaveLength(8);
    expect(summary?.diff?.removed[1]).toBe('assistant → search({"q":"x"})');
    expect(summary?.diff?.summary?.after).toBe('asked twice');
    expect(summary?.metadata).toEqual({ channel: 'tg' });
    const added = await versionView(log, 's', 2, 1000);
    expect(added?.diff?.added).toEqual(['user: q0', 'assistant → search({"q":"x"})', 'tool ← c0: result', 'assistant: answer']);
    expect((await versionView(log, 's', 1, 1000))?.diff?.metadata).toEqual([{ key: 'channel', after: 'tg' }]);
    expect(await versionView(log, 's', latest + 1, 10)).toBeUndefined();
  });

  it('version 0, before the first event, is an empty history (not a 404)', async () => {
    await log.addMessage('s', 'user', 'hi');
    const v0 = await versionView(log, 's', 0, 100);
    expect(v0).toMatchObject({ version: 0, latest: 1, messageCount: 0, summary: '', metadata: {}, messages: [], firstIndex: 0 });
    expect(v0?.event).toBeUndefined();
    expect(v0?.diff).toBeUndefined();
    expect(await versionView(log, 'nope', 0, 100)).toBeUndefined();
  });

  it('sends a huge text or argument once: as stored, cut to a bounded length for display and in diff lines', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    await log.addMessage('huge', 'user', 'hi');
    await log.addMessage('huge', 'assistant', big);
    await log.addMessages('huge', [{ role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: JSON.stringify({ blob: big }) } }] }]);
    const view = await versionView(log, 'huge', 3, 100);
    const size = JSON.stringify(view).length;
    expect(size).toBeGreaterThan(2 * big.length); // each huge message once, as stored
    expect(size).toBeLessThan(2 * big.length + 200_000); // and not again as text, arguments or diff line
    expect(view?.messages[1]?.text.length).toBe(20_000);
    expect(view?.messages[1]?.textChars).toBe(big.length);
    expect(view?.messages[2]?.calls[0]?.argsChars).toBe(big.length + 11);
    expect(view?.diff?.added[0]?.length).toBeLessThan(700);
    expect(view?.diff?.added[0]).toContain('more characters)');
    expect(view?.messages[0]?.textChars).toBeUndefined();
  });

  it('reads the newest `limit` messages only; a result whose call was not loaded is not an orphan', async () => {
    for (let i = 0; i < 50; i++) await log.addMessages('long', toolTurn(`q${i}`, `c${i}`));
    const view = await versionView(log, 'long', 50, 6);
    expect(view?.firstIndex).toBe(194);
    expect(view?.messages.map((m) => m.index)).toEqual([194, 195, 196, 197, 198, 199]);
    expect(view?.messages[0]).toMatchObject({ kind: 'tool', orphan: false, callEarlier: true });
    expect(view?.messages.map((m) => m.message)).toEqual(await log.getHistory('long', { atVersion: 50, last: 6 }));
  });
});

describe('tool pairs in every format', () => {
  const formats: Array<[string, Message[]]> = [
    ['Chat Completions', [{ role: 'user', content: 'q' }, { role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'a', content: 'r' }]],
    ['Anthropic', [{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'a', content: 'r' }] }]],
    ['Responses items', [{ type: 'message', role: 'user', content: 'q' }, { type: 'function_call', callId: 'a', name: 'f', arguments: '{}' }, { type: 'function_call_result', callId: 'a', output: { type: 'text', text: 'r' } }]],
    ['AI SDK', [{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'a', toolName: 'f', input: {} }] }, { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'a', toolName: 'f', output: { type: 'text', value: 'r' } }] }]],
    ['Bedrock', [{ role: 'user', content: [{ text: 'q' }] }, { role: 'assistant', content: [{ toolUse: { toolUseId: 'a', name: 'f', input: {} } }] }, { role: 'user', content: [{ toolResult: { toolUseId: 'a', content: [{ text: 'r' }] } }] }]],
    ['Gemini (no ids)', [{ role: 'user', parts: [{ text: 'q' }] }, { role: 'model', parts: [{ functionCall: { name: 'f', args: {} } }] }, { role: 'user', parts: [{ functionResponse: { name: 'f', response: {} } }] }]],
    ['Ollama (no ids)', [{ role: 'user', content: 'q' }, { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: {} } }] }, { role: 'tool', tool_name: 'f', content: 'r' }]],
  ];
  for (const [name, messages] of formats) {
    it(`${name}: the call and its result point at each other; nothing is an orphan`, () => {
      const shown = showMessages(messages, 0);
      expect(shown.map((m) => m.pairs)).toEqual([[], [2], [1]]);
      expect(shown.map((m) => m.orphan)).toEqual([false, false, false]);
      expect(shown[1]?.unanswered).toEqual([]);
    });
    it(`${name}: the page shows the call as a call (name, arguments) and the result as a result`, () => {
      const shown = showMessages(messages, 0);
      expect(shown[1]?.calls.map((c) => c.name)).toEqual(['f']);
      expect(shown[2]?.result).toBe(true);
      expect(shown[2]?.calls).toEqual([]);
    });
    it(`${name}: the result alone, first in the history, is flagged as an orphan`, () => {
      const shown = showMessages(messages.slice(2), 0);
      expect(shown[0]?.orphan).toBe(true);
    });
  }

  it('a call without its result is flagged as unanswered; the orphans are those the history rules find', () => {
    const shown = showMessages([{ role: 'tool', tool_call_id: 'zz', content: 'stray' }, ...toolTurn('q', 'a').slice(0, 2)], 0);
    expect(shown.map((m) => m.orphan)).toEqual([true, false, false]);
    expect(shown[2]?.unanswered).toEqual(['a']);
    expect(shown[2]?.calls).toEqual([{ name: 'search', args: '{"q":"x"}', id: 'a' }]);
  });
});

describe('live hub', () => {
  class FakeResponse extends EventEmitter {
    readonly chunks: string[] = [];
    write(chunk: string): boolean {
      this.chunks.push(chunk);
      return true;
    }
    end(): void {
      this.emit('close');
    }
    messages(): LiveMessage[] {
      return this.chunks.filter((c) => c.startsWith('data: ')).map((c) => JSON.parse(c.slice(6)) as LiveMessage);
    }
  }
  const asResponse = (r: FakeResponse): ServerResponse => r as unknown as ServerResponse;

  it('one poller for every page: starts with the first, reports new sessions and versions, stops with the last', async () => {
    await log.addMessage('a', 'user', 'hi');
    const hub = new LiveHub(log, 3_600_000, (e) => {
      throw e;
    });
    expect(hub.running).toBe(false);
    const list = new FakeResponse();
    const watcher = new FakeResponse();
    hub.add(asResponse(list), undefined);
    hub.add(asResponse(watcher), 'a', 1);
    expect(hub.running).toBe(true);
    await hub.poll(); // the baseline: nothing new yet
    await log.addMessage('a', 'user', 'again');
    await log.addMessage('b', 'user', 'new session');
    await hub.poll();
    expect(list.messages()).toEqual([{ kind: 'sessions', sessions: [expect.objectContaining({ key: 'b', version: 1 }), expect.objectContaining({ key: 'a', version: 2 })] }]);
    expect(watcher.messages()).toEqual([{ kind: 'sessions', sessions: expect.any(Array) }, { kind: 'session', key: 'a', version: 2 }]);
    await hub.poll();
    expect(watcher.messages()).toHaveLength(2); // nothing changed: nothing sent
    await log.deleteSession('a');
    await hub.poll();
    expect(watcher.messages().at(-1)).toEqual({ kind: 'session', key: 'a', version: 0, deleted: true });
    list.end();
    expect(hub.running).toBe(true);
    watcher.end();
    expect(hub.running).toBe(false);
    expect(hub.size).toBe(0);
  });
});

describe('fork and lineage', () => {
  it('forks through the API only with writes allowed; the fork is the source at that version and its first event names it', async () => {
    for (let i = 0; i < 3; i++) await log.addMessages('src', toolTurn(`q${i}`, `c${i}`));
    await log.updateMetadata('src', { model: 'a' });
    await log.updateMetadata('src', { model: 'b' });
    const ins = await startInspector(log, { allowWrites: true });
    try {
      const post = (body: unknown) => http(ins.port, `${new URL(ins.url).pathname}api/fork`, { method: 'POST', headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${ins.port}` }, body: JSON.stringify(body) });
      const r = await post({ key: 'src', newKey: 'copy', atVersion: 2 });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toEqual({ key: 'copy', version: 1 });
      expect(await log.getHistory('copy')).toEqual(await log.getHistory('src', { atVersion: 2 }));
      expect((await post({ key: 'src', newKey: 'copy', atVersion: 1 })).status).toBe(409);
      expect((await post({ key: 'src', newKey: 'copy' })).status).toBe(400);
    } finally {
      await ins.close();
    }
    const view = await versionView(log, 'copy', 1, 100);
    expect(view?.event).toMatchObject({ type: 'session.forked', forkedFrom: { key: 'src', version: 2 } });
    expect(view?.diff?.added).toHaveLength(8);
    expect((await versionView(log, 'src', 5, 100))?.diff?.metadata).toEqual([{ key: 'model', before: 'a', after: 'b' }]);
  });
});
