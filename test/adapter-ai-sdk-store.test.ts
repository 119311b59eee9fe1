import { describe, expect, it } from 'vitest';
import { createChatStore } from '../src/adapters/ai-sdk/index.js';
import type { UIMessageLike } from '../src/adapters/ai-sdk/index.js';
import { diffChat, withoutCut } from '../src/adapters/ai-sdk/messages.js';
import { isTurnlogError } from '../src/errors.js';
import type { SessionLog } from '../src/engine/session-log.js';
import type { Message } from '../src/types.js';
import { BACKENDS } from './support/harness.js';
import { SDKS, userMessage } from './support/ai-sdk.js';

const msg = (id: string, text = id, role = 'user'): UIMessageLike => ({ id, role, parts: [{ type: 'text', text }] });
const ids = (ms: readonly { id?: unknown }[]): unknown[] => ms.map((m) => m.id);

async function eventCount(log: SessionLog, key: string): Promise<number> {
  let n = 0;
  for await (const _ of log.readEvents(key)) n++;
  return n;
}

async function rejects(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(isTurnlogError(error, code as never), String(error)).toBe(true);
  if (pattern !== undefined) expect(String((error as Error).message)).toMatch(pattern);
}

describe('diffChat', () => {
  const m = (id: string, text = id): Message => ({ id, role: 'user', parts: [{ type: 'text', text }] });
  it('appends only what is new, and nothing when all is stored', () => {
    expect(diffChat([], [], 0)).toEqual({ kind: 'none' });
    expect(diffChat([m('a')], [m('a')], 1)).toEqual({ kind: 'none' });
    expect(diffChat([m('a')], [m('a'), m('b')], 1)).toEqual({ kind: 'append', messages: [m('b')] });
  });
  it('replaces from the first message that differs by id or content, key order aside', () => {
    expect(diffChat([m('a'), m('b')], [m('a'), m('c')], 2)).toEqual({ kind: 'replace', count: 1, messages: [m('c')] });
    expect(diffChat([m('a'), m('b'), m('c')], [m('a'), m('b', 'edited')], 3)).toEqual({ kind: 'replace', count: 2, messages: [m('b', 'edited')] });
    expect(diffChat([m('a')], [{ parts: [{ text: 'a', type: 'text' }], role: 'user', id: 'a' }], 1)).toEqual({ kind: 'none' });
  });
  it('a save that brings nothing new (a late retry of an earlier, shorter save) writes nothing', () => {
    expect(diffChat([m('a'), m('b')], [m('a')], 2)).toEqual({ kind: 'none' });
    expect(diffChat([m('a'), m('b'), m('c')], [m('a'), m('b')], 3)).toEqual({ kind: 'none' });
  });
  it('lines up on the first stored message: messages a summary cut are not stored again', () => {
    expect(diffChat([m('c'), m('d')], [m('a'), m('b'), m('c'), m('d'), m('e')], 4)).toEqual({ kind: 'append', messages: [m('e')] });
    expect(diffChat([m('c'), m('d')], [m('a'), m('b'), m('c'), m('x')], 4)).toEqual({ kind: 'replace', count: 1, messages: [m('x')] });
  });
  it('with no first message in common, the messages stored before are dropped from the save', () => {
    expect(diffChat([], [m('a'), m('b')], 3)).toEqual({ kind: 'unanchored' });
    expect(diffChat([m('a')], [m('x')], 1)).toEqual({ kind: 'unanchored' });
    expect(withoutCut([], [m('a'), m('b')], new Set(['a', 'b']))).toEqual({ kind: 'none' });
    expect(withoutCut([], [m('a'), m('b'), m('c')], new Set(['a', 'b']))).toEqual({ kind: 'append', messages: [m('c')] });
    expect(withoutCut([m('c')], [m('a2'), m('x')], new Set(['a', 'b', 'c']))).toEqual({ kind: 'replace', count: 1, messages: [m('a2'), m('x')] });
  });
});

describe.each(BACKENDS)('ai-sdk saves that arrive late or after a summary, on %s', (_store, factory) => {
  it('a late retry of an earlier save changes nothing: no newer message is lost, no regenerated answer swapped back', async () => {
    const h = factory();
    const log = await h.open();
    try {
      const store = createChatStore({ log });
      const first = [msg('u1'), msg('a1', 'one', 'assistant')];
      await store.saveChat({ chatId: 'c', messages: first });
      await store.saveChat({ chatId: 'c', messages: [...first, msg('u2'), msg('a2', 'two', 'assistant')] });
      const version = (await log.getSession('c'))?.version;
      await store.saveChat({ chatId: 'c', messages: first });
      expect((await store.loadChat('c')).map((m) => m.id)).toEqual(['u1', 'a1', 'u2', 'a2']);
      // A regeneration, then the save from before it arrives again.
      await store.saveChat({ chatId: 'c', messages: [...first, msg('u2'), msg('a2b', 'two again', 'assistant')] });
      await store.saveChat({ chatId: 'c', messages: [...first, msg('u2'), msg('a2', 'two', 'assistant')] });
      expect((await store.loadChat('c')).map((m) => m.id)).toEqual(['u1', 'a1', 'u2', 'a2b']);
      expect((await log.getSession('c'))?.version).toBe((version ?? 0) + 1);
    } finally {
      await h.dispose();
    }
  });

  it('after a summary cut everything visible, the summarised messages are not stored again', async () => {
    const h = factory();
    const log = await h.open();
    try {
      const store = createChatStore({ log });
      const four = [msg('u1'), msg('a1', 'one', 'assistant'), msg('u2'), msg('a2', 'two', 'assistant')];
      await store.saveChat({ chatId: 'c', messages: four });
      const { version } = (await log.getSession('c')) ?? { version: 0 };
      await log.setSummary('c', 'they talked', { through: version });
      await store.saveChat({ chatId: 'c', messages: four });
      expect(await store.loadChat('c')).toEqual([]);
      await store.saveChat({ chatId: 'c', messages: [...four, msg('u3'), msg('a3', 'three', 'assistant')] });
      expect((await store.loadChat('c')).map((m) => m.id)).toEqual(['u3', 'a3']);
    } finally {
      await h.dispose();
    }
  });

  it('createChat again once the chat has changed is CONFLICT, even with the first metadata', async () => {
    const h = factory();
    const log = await h.open();
    try {
      const store = createChatStore({ log });
      await store.createChat({ chatId: 'n', metadata: { title: 'New chat' } });
      await store.createChat({ chatId: 'n', metadata: { title: 'New chat' } });
      await store.saveChat({ chatId: 'n', messages: [msg('u1')] });
      await rejects(store.createChat({ chatId: 'n', metadata: { title: 'New chat' } }), 'CONFLICT');
    } finally {
      await h.dispose();
    }
  });
});

describe.each(BACKENDS)('ai-sdk chat store API on %s', (_store, factory) => {
  it('createChat, readChat, updateChatMetadata, listChats and deleteChat, under a key prefix', async () => {
    const h = factory();
    const log = await h.open();
    try {
      const store = createChatStore({ log, keyPrefix: 'chat/' });
      const id = await store.createChat({ metadata: { title: 'Paris trip' } });
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await store.loadChat(id)).toEqual([]);
      expect(await log.getSession(`chat/${id}`)).toMatchObject({ metadata: { title: 'Paris trip' }, messageCount: 0 });
      // A retried creation is idempotent; another creation of the same id is CONFLICT.
      await store.createChat({ chatId: id, metadata: { title: 'Paris trip' } });
      await rejects(store.createChat({ chatId: id, metadata: { title: 'other' } }), 'CONFLICT');
      await store.createChat({ chatId: 'alice/1' });
      await store.saveChat({ chatId: 'alice/2', messages: [msg('x')] });
      await log.addMessage('other-session', 'user', 'not a chat');

      await store.saveChat({ chatId: id, messages: [msg('q1'), msg('a1', 'answer', 'assistant')] });
      await store.updateChatMetadata(id, { activeStreamId: 's-1' });
      const chat = await store.readChat(id);
      expect(chat).toMatchObject({ chatId: id, messageCount: 2, summary: '', metadata: { title: 'Paris trip', activeStreamId: 's-1' } });
      expect(ids(chat?.messages ?? [])).toEqual(['q1', 'a1']);
      expect(await store.readChat('missing')).toBeUndefined();
      expect(ids((await store.readChat(id, { atVersion: 1 }))?.messages ?? [])).toEqual([]);

      const all = await store.listChats();
      expect(all.chats.map((c) => c.chatId).sort()).toEqual(['alice/1', 'alice/2', id].sort());
      expect((await store.listChats({ prefix: 'alice/' })).chats.map((c) => c.chatId).sort()).toEqual(['alice/1', 'alice/2']);
      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listChats({ limit: 1, ...(cursor === undefined ? {} : { cursor }) });
        paged.push(...page.chats.map((c) => c.chatId));
        cursor = page.cursor;
      } while (cursor !== undefined);
      expect(paged.sort()).toEqual(['alice/1', 'alice/2', id].sort());

      expect(await store.deleteChat(id)).toBe(true);
      expect(await store.deleteChat(id)).toBe(false);
      expect(await store.loadChat(id)).toEqual([]);
    } finally {
      await h.dispose();
    }
  });

  it('two different saves racing (two tabs): the chat ends as exactly one of them', async () => {
    const h = factory();
    const log = await h.open();
    try {
      const store = createChatStore({ log });
      const base = [msg('u1'), msg('a1', 'hi', 'assistant')];
      await store.saveChat({ chatId: 'r', messages: base });
      const a = [...base, msg('u2'), msg('a2', 'two', 'assistant')];
      const b = [...base, msg('u3'), msg('a3', 'three', 'assistant')];
      await Promise.all([store.saveChat({ chatId: 'r', messages: a }), store.saveChat({ chatId: 'r', messages: b })]);
      const final = ids(await store.loadChat('r'));
      expect([ids(a), ids(b)]).toContainEqual(final);
      expect(await eventCount(log, 'r')).toBe(3);
    } finally {
      await h.dispose();
    }
  });

  it('rejects what it cannot save by id before writing anything', async () => {
    const h = factory();
    const log = await h.open();
    try {
      const store = createChatStore({ log });
      await store.saveChat({ chatId: 'c', messages: [msg('a')] });
      const before = await eventCount(log, 'c');
      await rejects(store.saveChat({ chatId: 'c', messages: [msg('a'), { id: '', role: 'assistant', parts: [] }] }), 'INVALID_ARGUMENT', /generateMessageId/);
      await rejects(store.saveChat({ chatId: 'c', messages: [msg('a'), msg('b'), msg('b')] }), 'INVALID_ARGUMENT', /repeats messages\[1\]/);
      await rejects(store.saveChat({ chatId: 'c', messages: [msg('a'), { id: 'b', role: 'user' } as never] }), 'INVALID_ARGUMENT', /parts/);
      await rejects(store.saveChat({ chatId: 'c', messages: 'nope' as never }), 'INVALID_ARGUMENT');
      await rejects(store.saveChat({ chatId: '', messages: [] }), 'INVALID_ARGUMENT', /chatId/);
      await rejects(store.saveChat({ chatId: 'c', messages: [], extra: 1 } as never), 'INVALID_ARGUMENT', /unknown option "extra"/);
      expect(() => createChatStore({ log, prefix: 'x' } as never)).toThrow(/unknown option "prefix"; known: log, keyPrefix/);
      expect(await eventCount(log, 'c')).toBe(before);
      // Dates become their JSON form, as the client receives them over the stream.
      await store.saveChat({ chatId: 'c', messages: [msg('a'), { ...msg('b'), metadata: { at: new Date(0), gone: undefined } }] });
      expect((await store.loadChat('c'))[1]?.metadata).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    } finally {
      await h.dispose();
    }
  });

  it.each(SDKS.map((s) => [s.name, s] as const))('%s without generateMessageId: the unsavable response is refused, nothing written', async (_name, sdk) => {
    const h = factory();
    const log = await h.open();
    try {
      const store = createChatStore({ log });
      const u = userMessage('hi');
      await store.saveChat({ chatId: 'n', messages: [u] });
      const run = await sdk.exchange({ store, chatId: 'n', messages: [u], turns: [{ text: 'hello' }], ids: false });
      expect(run.messages[1]?.id).toBe('');
      await rejects(run.saved, 'INVALID_ARGUMENT', /generateMessageId/);
      expect(await eventCount(log, 'n')).toBe(1);
    } finally {
      await h.dispose();
    }
  });

  it('a summariser cuts old messages; the client still sends them, and they are not stored again', async () => {
    const sdk = SDKS[0]!;
    const h = factory();
    const log = await h.open();
    try {
      const store = createChatStore({ log });
      const first = await sdk.exchange({ store, chatId: 's', messages: [userMessage('Weather in Oslo?')], turns: [{ call: { id: 'c1', city: 'Oslo' } }, { text: 'Cold.' }] });
      const second = await sdk.exchange({ store, chatId: 's', messages: [...first.messages, userMessage('And Rome?')], turns: [{ text: 'Warm.' }] });
      const seen = (await log.getSession('s'))?.version ?? 0;
      await log.setSummary('s', 'Asked about Oslo (cold).', { through: 1 });
      expect(ids(await store.loadChat('s'))).toEqual(ids(second.messages.slice(2)));
      // The client (useChat) still holds all four and sends them with a new question.
      const third = await sdk.exchange({ store, chatId: 's', messages: [...second.messages, userMessage('And Paris?')], turns: [{ text: 'Mild.' }] });
      expect(ids(await store.loadChat('s'))).toEqual(ids(third.messages.slice(2)));
      expect((await store.readChat('s'))?.summary).toBe('Asked about Oslo (cold).');
      expect((await log.getSession('s'))?.version).toBe(seen + 2);
    } finally {
      await h.dispose();
    }
  });
});
