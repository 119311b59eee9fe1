import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { protocol } from '@openai/agents-core';
import type { AgentInputItem, SessionHistoryTransactionArgs } from '@openai/agents-core';
import { TurnlogSession } from '../src/adapters/openai-agents/index.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { BACKENDS } from './support/harness.js';
import type { Harness } from './support/harness.js';

/**
 * The SDK's reference MemorySession cases (packages/agents-core/test/memorySession.test.ts),
 * ported to TurnlogSession on every store, plus what a persistent store adds.
 */
const user = (text: string): AgentInputItem => ({ role: 'user', content: [{ type: 'input_text', text }] });

describe.each(BACKENDS)('TurnlogSession as the SDK session (%s)', (_name, factory) => {
  let h: Harness;
  let log: SessionLog;
  beforeEach(async () => {
    h = factory();
    log = await h.open();
  });
  afterEach(() => h.dispose());

  async function sessionWith(sessionId: string, items: AgentInputItem[] = []): Promise<TurnlogSession> {
    const s = new TurnlogSession({ log, sessionId });
    await s.addItems(items);
    return s;
  }

  it('stores and retrieves items in order, with limits, pop and clear', async () => {
    const initial = [user('hello')];
    const s = await sessionWith('session-1', initial);
    expect(await s.getSessionId()).toBe('session-1');
    expect(await s.getItems()).toEqual(initial);
    const added = [user('one'), user('two')];
    await s.addItems(added);
    expect(await s.getItems()).toEqual([...initial, ...added]);
    expect(await s.getItems(2)).toEqual(added);
    expect(await s.getItems(10)).toEqual([...initial, ...added]);
    expect(await s.getItems(0)).toEqual([]);
    expect(await s.popItem()).toEqual(added[1]);
    expect(await s.getItems()).toEqual([...initial, added[0]]);
    await s.clearSession();
    expect(await s.getItems()).toEqual([]);
    expect(await s.getItems(3)).toEqual([]);
    expect(await s.popItem()).toBeUndefined();
    expect(await log.getSession('session-1')).toBeUndefined();
  });

  it('reads only the newest `limit` messages and pops by one removal event, not a rewrite', async () => {
    const s = await sessionWith('limits', Array.from({ length: 50 }, (_, i) => user(`m${i}`)));
    expect(await s.getItems(3)).toEqual([user('m47'), user('m48'), user('m49')]);
    await s.popItem();
    const events = [];
    for await (const e of log.readEvents('limits')) events.push(e.type);
    expect(events).toEqual(['messages.added', 'messages.removed']);
  });

  it('returns copies: changes to read, added or popped items never reach the store', async () => {
    const initial = user('start');
    const s = await sessionWith('clones', [initial]);
    const items = await s.getItems();
    expect(items[0]).not.toBe(initial);
    (items[0] as { content: unknown }).content = 'mutated';
    expect(await s.getItems()).toEqual([user('start')]);
    const next = user('next');
    await s.addItems([next]);
    (next as { content: unknown }).content = 'mutated';
    expect(await s.getItems()).toEqual([user('start'), user('next')]);
    const popped = await s.popItem();
    expect(popped).toEqual(user('next'));
    (popped as { content: unknown }).content = 'mutated';
    expect(await s.getItems()).toEqual([user('start')]);
  });

  it('applies append transactions idempotently (the operation id is the eventId)', async () => {
    const s = await sessionWith('tx-append', [user('start')]);
    const appended = user('committed');
    await s.applyHistoryTransaction({ operationId: 'operation-append-1', transaction: { type: 'append_items', items: [appended] } });
    (appended as { content: unknown }).content = 'mutated';
    await s.addItems([user('later')]);
    await s.applyHistoryTransaction({ operationId: 'operation-append-1', transaction: { type: 'append_items', items: [user('committed')] } });
    expect(await s.getItems()).toEqual([user('start'), user('committed'), user('later')]);
    const ids = [];
    for await (const e of log.readEvents('tx-append')) ids.push(e.eventId);
    expect(ids).toEqual([undefined, 'operation-append-1', undefined]);
  });

  it('replaces an exact history suffix idempotently', async () => {
    const s = await sessionWith('tx-replace', [user('start'), user('blocked')]);
    const args = { operationId: 'operation-replace-1', transaction: { type: 'replace_suffix' as const, expectedSuffix: [user('blocked')], replacement: [user('accepted')] } };
    await s.applyHistoryTransaction(args);
    await s.addItems([user('later')]);
    await s.applyHistoryTransaction(args);
    expect(await s.getItems()).toEqual([user('start'), user('accepted'), user('later')]);
  });

  it('rejects a suffix mismatch without recording the operation', async () => {
    const s = await sessionWith('tx-mismatch', [user('start')]);
    const before = (await log.getSession('tx-mismatch'))?.version;
    await expect(
      s.applyHistoryTransaction({ operationId: 'op', transaction: { type: 'replace_suffix', expectedSuffix: [user('different')], replacement: [user('accepted')] } }),
    ).rejects.toThrow('suffix no longer matches');
    // Longer than the history, and on a session that does not exist.
    await expect(
      s.applyHistoryTransaction({ operationId: 'op', transaction: { type: 'replace_suffix', expectedSuffix: [user('x'), user('start')], replacement: [] } }),
    ).rejects.toThrow('suffix no longer matches');
    await expect(
      new TurnlogSession({ log, sessionId: 'absent' }).applyHistoryTransaction({ operationId: 'op', transaction: { type: 'replace_suffix', expectedSuffix: [user('x')], replacement: [] } }),
    ).rejects.toThrow('suffix no longer matches');
    expect(await log.getSession('absent')).toBeUndefined();
    expect((await log.getSession('tx-mismatch'))?.version).toBe(before);
    expect(await s.getItems()).toEqual([user('start')]);
    await s.applyHistoryTransaction({ operationId: 'op', transaction: { type: 'replace_suffix', expectedSuffix: [user('start')], replacement: [user('accepted')] } });
    expect(await s.getItems()).toEqual([user('accepted')]);
  });

  it('rejects operation id reuse with different content, also for a suffix with the same length and replacement', async () => {
    const s = await sessionWith('tx-reuse');
    await s.applyHistoryTransaction({ operationId: 'operation-conflict', transaction: { type: 'append_items', items: [user('first')] } });
    await expect(
      s.applyHistoryTransaction({ operationId: 'operation-conflict', transaction: { type: 'append_items', items: [user('second')] } }),
    ).rejects.toThrow('already applied with a different transaction');
    await expect(
      s.applyHistoryTransaction({ operationId: 'operation-conflict', transaction: { type: 'replace_suffix', expectedSuffix: [user('first')], replacement: [user('second')] } }),
    ).rejects.toThrow('already applied with a different transaction');
    expect(await s.getItems()).toEqual([user('first')]);

    await s.applyHistoryTransaction({ operationId: 'replace', transaction: { type: 'replace_suffix', expectedSuffix: [user('first')], replacement: [user('r')] } });
    const version = (await log.getSession('tx-reuse'))?.version;
    await expect(
      s.applyHistoryTransaction({ operationId: 'replace', transaction: { type: 'replace_suffix', expectedSuffix: [user('other')], replacement: [user('r')] } }),
    ).rejects.toThrow('already applied with a different transaction');
    expect((await log.getSession('tx-reuse'))?.version).toBe(version);
    expect(await s.getItems()).toEqual([user('r')]);
  });

  it('records an empty append transaction', async () => {
    const s = await sessionWith('tx-empty');
    await s.applyHistoryTransaction({ operationId: 'operation-empty', transaction: { type: 'append_items', items: [] } });
    await expect(
      s.applyHistoryTransaction({ operationId: 'operation-empty', transaction: { type: 'append_items', items: [user('unexpected')] } }),
    ).rejects.toThrow('already applied with a different transaction');
    await s.applyHistoryTransaction({ operationId: 'operation-empty', transaction: { type: 'append_items', items: [] } });
    expect(await s.getItems()).toEqual([]);
    expect((await log.getSession('tx-empty'))?.version).toBe(1);
  });

  it('resets operation ids when the session is cleared', async () => {
    const s = await sessionWith('tx-reset');
    const args = { operationId: 'operation-after-reset', transaction: { type: 'append_items' as const, items: [user('committed')] } };
    await s.applyHistoryTransaction(args);
    await s.clearSession();
    await s.applyHistoryTransaction(args);
    expect(await s.getItems()).toEqual([user('committed')]);
  });

  it('rejects invalid transaction input before any change', async () => {
    const s = await sessionWith('tx-invalid', [user('start')]);
    const version = (await log.getSession('tx-invalid'))?.version;
    const tx = (t: unknown, operationId = 'operation-x'): Promise<void> => s.applyHistoryTransaction({ operationId, transaction: t } as SessionHistoryTransactionArgs);
    await expect(s.applyHistoryTransaction({ operationId: '   ', transaction: { type: 'append_items', items: [] } })).rejects.toThrow('operationId must be a non-empty string');
    await expect(tx({ type: 'unknown' })).rejects.toThrow('Unsupported session history transaction type');
    await expect(tx(null)).rejects.toThrow('transaction must be an object');
    await expect(tx({ type: 'append_items', items: [42] })).rejects.toThrow('items contain invalid or unsupported data');
    await expect(tx({ type: 'append_items', items: [user('a')], metadata: {} })).rejects.toThrow('append transaction fields are invalid');
    await expect(tx({ type: 'replace_suffix', expectedSuffix: [], replacement: [], extra: 1 })).rejects.toThrow('suffix transaction fields are invalid');
    const withDate = { ...user('d'), providerData: { at: new Date(0) } };
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const hidden = user('h');
    Object.defineProperty(hidden, 'providerData', { enumerable: false, value: { hidden: true } });
    const secret = { ...user('s'), providerData: { secret: Symbol('api-key-secret') } };
    for (const items of [[withDate], [{ ...user('c'), providerData: cycle }], [{ ...user('b'), providerData: { n: 42n } }], new Array(1), [hidden], [secret], [{ ...user('t'), providerData: { v: new Uint16Array([300]) } }], new Proxy([user('p')], {})]) {
      const error = await tx({ type: 'append_items', items }).catch((e: unknown) => e);
      expect((error as Error).message).toBe('Session history transaction items contain invalid or unsupported data.');
    }
    const throwing = {} as SessionHistoryTransactionArgs;
    Object.defineProperty(throwing, 'operationId', { get: () => { throw new Error('api-key-secret'); } });
    const error = await s.applyHistoryTransaction(throwing).catch((e: unknown) => e);
    expect((error as Error).message).toBe('Session history transaction arguments are invalid.');
    expect((await log.getSession('tx-invalid'))?.version).toBe(version);
    expect(await s.getItems()).toEqual([user('start')]);
    // Nothing was recorded under the rejected ids.
    await s.applyHistoryTransaction({ operationId: 'operation-x', transaction: { type: 'append_items', items: [user('retry')] } });
    expect(await s.getItems()).toEqual([user('start'), user('retry')]);
  });

  it('reads the transaction envelope once', async () => {
    const s = await sessionWith('tx-envelope');
    let reads = 0;
    const args = { transaction: { type: 'append_items' as const, items: [user('once')] } } as SessionHistoryTransactionArgs;
    Object.defineProperty(args, 'operationId', { enumerable: true, get: () => (++reads === 1 ? 'operation-read-once' : 'changed') });
    await s.applyHistoryTransaction(args);
    expect(reads).toBe(1);
    reads = 0;
    await s.applyHistoryTransaction(args);
    expect(await s.getItems()).toEqual([user('once')]);
  });

  it('keeps Uint8Array data as base64 the SDK accepts, and a retry with the same bytes is the same operation', async () => {
    const s = await sessionWith('binary');
    const shared = new Uint8Array(new SharedArrayBuffer(2));
    shared.set([3, 7]);
    const result: AgentInputItem = {
      type: 'function_call_result', callId: 'c1', name: 'shot', status: 'completed',
      output: { type: 'image', image: { data: new Uint8Array([137, 80, 78, 71]), mediaType: 'image/png' } },
      providerData: { bytes: shared },
    };
    await s.applyHistoryTransaction({ operationId: 'op-bin', transaction: { type: 'append_items', items: [{ type: 'function_call', callId: 'c1', name: 'shot', arguments: '{}' }, result] } });
    shared[0] = 9;
    const retry = structuredClone(result);
    (retry.providerData as { bytes: Uint8Array }).bytes = new Uint8Array([3, 7]);
    await s.applyHistoryTransaction({ operationId: 'op-bin', transaction: { type: 'append_items', items: [{ type: 'function_call', callId: 'c1', name: 'shot', arguments: '{}' }, retry] } });
    const [, stored] = (await s.getItems()) as unknown as Array<{ providerData: { bytes: string }; output: { image: { data: string } } }>;
    expect(Buffer.from(stored!.providerData.bytes, 'base64')).toEqual(Buffer.from([3, 7]));
    expect(Buffer.from(stored!.output.image.data, 'base64')).toEqual(Buffer.from([137, 80, 78, 71]));
    // What comes back is an item the SDK's own schema accepts.
    expect(protocol.ModelItem.safeParse(stored).success).toBe(true);
    // A suffix given with the original bytes matches what was stored as base64.
    await s.applyHistoryTransaction({ operationId: 'op-bin-replace', transaction: { type: 'replace_suffix', expectedSuffix: [retry], replacement: [] } });
    expect(await s.getItems()).toHaveLength(1);
  });

  it('stores items exactly as given (role-less calls and results) and replaces history for compaction', async () => {
    const call: AgentInputItem = { type: 'function_call', callId: 'c', name: 'f', arguments: '{"a":1}', status: 'completed', id: 'fc_1' };
    const out: AgentInputItem = { type: 'function_call_result', callId: 'c', name: 'f', status: 'completed', output: { type: 'text', text: 'ok' } };
    const s = await sessionWith('exact', [user('q'), call, out]);
    expect(await log.getHistory('exact')).toEqual([user('q'), call, out]);
    const compacted: AgentInputItem[] = [{ type: 'compaction', encrypted_content: 'enc' } as AgentInputItem, user('after')];
    await s.replaceHistoryWithCompaction(compacted);
    expect(await s.getItems()).toEqual(compacted);
    expect(await log.getHistory('exact', { atVersion: 1 })).toEqual([user('q'), call, out]);
    // An item type this SDK version does not know yet is kept as it is; what JSON cannot hold is refused.
    const future = { type: 'future_tool_call', callId: 'z', payload: { n: 1 } } as unknown as AgentInputItem;
    await s.addItems([future]);
    expect((await s.getItems(1))[0]).toEqual(future);
    await expect(s.addItems([{ ...user('when'), providerData: { at: new Date(0) } }])).rejects.toThrow('invalid or unsupported data');
    await expect(s.addItems('nope' as never)).rejects.toThrow('must be an array');
    expect(await s.getItems()).toHaveLength(3);
  });

  it('lets one of two racing suffix replacements win; the other fails and writes nothing', async () => {
    const s = await sessionWith('race', [user('start'), user('draft')]);
    const replace = (id: string) => s.applyHistoryTransaction({ operationId: id, transaction: { type: 'replace_suffix', expectedSuffix: [user('draft')], replacement: [user(id)] } });
    const outcomes = await Promise.allSettled([replace('A'), replace('B'), s.addItems([user('concurrent')])]);
    const won = outcomes.slice(0, 2).filter((o) => o.status === 'fulfilled');
    const items = await s.getItems();
    // The append may land before both (then both fail) or after the winner.
    if (won.length === 0) {
      expect(items).toEqual([user('start'), user('draft'), user('concurrent')]);
    } else {
      expect(won).toHaveLength(1);
      const winner = outcomes[0]!.status === 'fulfilled' ? 'A' : 'B';
      expect(items).toEqual([user('start'), user(winner), user('concurrent')]);
    }
    for (const o of outcomes.slice(0, 2)) if (o.status === 'rejected') expect(String(o.reason)).toContain('suffix no longer matches');
  });

  it('returns the summary first when asked to, read at the same version as the items', async () => {
    const s = new TurnlogSession({ log, sessionId: 'summarised', summaryItem: (text) => ({ role: 'system', content: `Earlier: ${text}` }) });
    expect(await s.getItems()).toEqual([]);
    await s.addItems([user('a'), user('b'), user('c')]);
    expect(await s.getItems()).toEqual([user('a'), user('b'), user('c')]);
    await log.setSummary('summarised', 'a and b', { through: 1 });
    await s.addItems([user('d')]);
    expect(await s.getItems()).toEqual([{ role: 'system', content: 'Earlier: a and b' }, user('d')]);
    expect(await s.getItems(1)).toEqual([user('d')]);
    expect(await s.getItems(2)).toEqual([{ role: 'system', content: 'Earlier: a and b' }, user('d')]);
    // pop never takes the summary.
    expect(await s.popItem()).toEqual(user('d'));
    expect(await s.popItem()).toBeUndefined();
    expect(await log.getSummary('summarised')).toBe('a and b');
  });
});
