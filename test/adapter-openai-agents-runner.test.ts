import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent, OutputGuardrailTripwireTriggered, Runner, RunState, tool } from '@openai/agents-core';
import type { AgentInputItem, SessionHistoryTransactionArgs } from '@openai/agents-core';
import { ScriptedModel, assistantMessage, functionCall, modelResponder } from '@openai/agents-core/testing';
import type { RecordedModelCall } from '@openai/agents-core/testing';
import { z } from 'zod';
import { TurnlogSession } from '../src/adapters/openai-agents/index.js';
import { orphanResults } from '../src/core/message-shapes.js';
import type { SessionLog } from '../src/engine/session-log.js';
import { BACKENDS } from './support/harness.js';
import type { Harness } from './support/harness.js';

/**
 * The SDK's own agent loop (`Runner`) with its offline `ScriptedModel`, persisting through
 * TurnlogSession on every store: what the model is sent is asserted on, not only what is stored.
 */
const runner = new Runner({ tracingDisabled: true });
const KEY = 'agent-session';

function lookupTool(executed: string[], needsApproval = false) {
  return tool({
    name: 'lookup',
    description: 'Looks a word up.',
    parameters: z.object({ q: z.string() }),
    needsApproval,
    execute: async ({ q }) => {
      executed.push(q);
      return `found ${q}`;
    },
  });
}

const inputOf = (call: RecordedModelCall | undefined): AgentInputItem[] => {
  const input = call?.request.input;
  if (!Array.isArray(input)) throw new Error('expected the model input as items');
  return input as AgentInputItem[];
};
const userText = (item: AgentInputItem | undefined): unknown => (item !== undefined && 'role' in item && item.role === 'user' ? item.content : undefined);
/** Ids the runner adds in memory but does not persist (the SDK strips transient call ids). */
const withoutIds = (items: AgentInputItem[]): unknown[] => items.map((i) => (('type' in i && i.type === 'function_call') ? { ...i, id: undefined } : i)).map((i) => JSON.parse(JSON.stringify(i)));

describe.each(BACKENDS)('the SDK Runner on TurnlogSession (%s)', (_name, factory) => {
  let h: Harness;
  let log: SessionLog;
  beforeEach(async () => {
    h = factory();
    log = await h.open();
  });
  afterEach(() => h.dispose());

  it('runs tool-calling turns, survives a close and reopen, and sends the model the full history', async () => {
    const executed: string[] = [];
    const model = new ScriptedModel([
      [functionCall('lookup', { q: 'a' }, { callId: 'c1' })],
      [assistantMessage('answer 1')],
      // Parallel calls in one response.
      [functionCall('lookup', { q: 'b' }, { callId: 'c2' }), functionCall('lookup', { q: 'c' }, { callId: 'c3' })],
      [assistantMessage('answer 2')],
    ]);
    const agent = new Agent({ name: 'helper', instructions: 'Use lookup.', model, tools: [lookupTool(executed)] });
    let session = new TurnlogSession({ log, sessionId: KEY });
    expect((await runner.run(agent, 'question 1', { session })).finalOutput).toBe('answer 1');
    expect((await runner.run(agent, 'question 2', { session })).finalOutput).toBe('answer 2');
    model.assertComplete();
    expect(executed).toEqual(['a', 'b', 'c']);
    // The second turn's first request carried the whole first turn.
    expect(withoutIds(inputOf(model.calls[2]))).toEqual([...withoutIds((await log.getHistory(KEY, { atVersion: 1 })) as AgentInputItem[]), { type: 'message', role: 'user', content: 'question 2' }]);

    const before = await log.getHistory(KEY);
    expect(before.map((m) => (m as { type?: string }).type)).toEqual([
      'message', 'function_call', 'function_call_result', 'message',
      'message', 'function_call', 'function_call', 'function_call_result', 'function_call_result', 'message',
    ]);
    await log.close();

    log = await h.open();
    session = new TurnlogSession({ log, sessionId: KEY });
    const next = new ScriptedModel([[functionCall('lookup', { q: 'd' }, { callId: 'c4' })], [assistantMessage('answer 3')]]);
    const reopened = agent.clone({ model: next });
    expect((await runner.run(reopened, 'question 3', { session })).finalOutput).toBe('answer 3');
    const sent = inputOf(next.calls[0]);
    expect(sent).toEqual([...before, { type: 'message', role: 'user', content: 'question 3' }]);
    expect(withoutIds(inputOf(next.calls[1])).slice(0, before.length + 1)).toEqual(sent);
    expect(await log.getHistory(KEY)).toHaveLength(before.length + 4);
    expect(orphanResults(await log.getHistory(KEY))).toEqual([]);
  });

  // Mirrors the SDK's hitlMemorySessionScenario: approve, approve after rehydration, reject.
  it('pauses for human approval and resumes from a serialised RunState, also after reopening the store', async () => {
    const executed: string[] = [];
    const model = new ScriptedModel();
    let n = 0;
    const script = () => modelResponder(() => [functionCall('lookup', { q: `item ${++n}` }, { callId: `call_${n}` })]);
    const agent = new Agent({ name: 'approver', instructions: 'Always call lookup.', model, tools: [lookupTool(executed, true)], toolUseBehavior: 'stop_on_first_tool' });
    const steps = [
      { message: 'Fetch profile for customer 104.', approve: true, output: 'found item 1', reopen: false },
      { message: 'Update note for customer 104.', approve: true, output: 'found item 2', reopen: true },
      { message: 'Delete note for customer 104.', approve: false, output: 'Tool execution was not approved.', reopen: false },
    ];
    for (const [i, step] of steps.entries()) {
      model.enqueue(script());
      const session = new TurnlogSession({ log, sessionId: KEY });
      const first = await runner.run(agent, step.message, { session });
      expect(first.interruptions).toHaveLength(1);
      // The call is stored before anyone approves it; its result is not.
      expect((await log.getHistory(KEY, { last: 1 }))[0]).toMatchObject({ type: 'function_call', callId: `call_${i + 1}` });
      let serialised = first.state.toString();
      let resumeSession = session;
      if (step.reopen) {
        await log.close();
        log = await h.open();
        resumeSession = new TurnlogSession({ log, sessionId: KEY });
      }
      const state = await RunState.fromString(agent, serialised);
      const [approval] = state.getInterruptions();
      if (step.approve) state.approve(approval!);
      else state.reject(approval!);
      serialised = '';
      const resumed = await runner.run(agent, state, { session: resumeSession });
      expect(resumed.interruptions).toHaveLength(0);
      expect(resumed.finalOutput).toBe(step.output);
      const items = await resumeSession.getItems();
      expect(items.filter((x) => 'role' in x && x.role === 'user')).toHaveLength(i + 1);
      expect(items.filter((x) => 'type' in x && x.type === 'function_call')).toHaveLength(i + 1);
      const results = items.filter((x) => 'type' in x && x.type === 'function_call_result') as Array<{ callId: string; output: { text: string } }>;
      expect(results).toHaveLength(i + 1);
      expect(results.at(-1)).toMatchObject({ callId: `call_${i + 1}`, output: { text: step.output } });
      expect(orphanResults(items)).toEqual([]);
    }
    expect(executed).toEqual(['item 1', 'item 2']);
    // Every model call after the first carried the earlier turns from the store.
    expect(inputOf(model.calls[2]).map(userText).filter(Boolean)).toEqual(steps.map((s) => s.message));
  });

  it('persists a streamed run, and the next turn sees it', async () => {
    const executed: string[] = [];
    const model = new ScriptedModel([
      [functionCall('lookup', { q: 'streamed' }, { callId: 's1' })],
      [assistantMessage('streamed answer')],
      [assistantMessage('plain answer')],
    ]);
    const agent = new Agent({ name: 'streamer', instructions: 'Use lookup.', model, tools: [lookupTool(executed)] });
    const session = new TurnlogSession({ log, sessionId: KEY });
    const streamed = await runner.run(agent, 'stream please', { session, stream: true });
    let text = '';
    for await (const chunk of streamed.toTextStream()) text += chunk;
    await streamed.completed;
    expect(text).toBe('streamed answer');
    expect(model.calls.map((c) => c.streamed)).toEqual([true, true]);
    const stored = await log.getHistory(KEY);
    expect(stored.map((m) => (m as { type?: string }).type)).toEqual(['message', 'function_call', 'function_call_result', 'message']);
    expect((await runner.run(agent, 'and now?', { session })).finalOutput).toBe('plain answer');
    expect(inputOf(model.calls[2])).toEqual([...stored, { type: 'message', role: 'user', content: 'and now?' }]);
  });

  it('a background summariser cutting with setSummary(…, { through }) never orphans a call result', async () => {
    const executed: string[] = [];
    const model = new ScriptedModel();
    const plain = new Agent({ name: 'plain', instructions: 'Use lookup.', model, tools: [lookupTool(executed)] });
    const gated = new Agent({ name: 'gated', instructions: 'Use lookup.', model, tools: [lookupTool(executed, true)] });
    const session = new TurnlogSession({ log, sessionId: KEY, summaryItem: (summary) => ({ role: 'system', content: `Earlier: ${summary}` }) });
    let cuts = 0;
    let running = true;
    // Cuts through the newest version whenever the loop yields: between the runner's writes, and
    // inside turns whose call and result are written apart (approvals).
    const summariser = (async () => {
      let seen = 0;
      while (running) {
        await new Promise((resolve) => setImmediate(resolve));
        const version = (await log.getSession(KEY))?.version ?? 0;
        if (version > seen) {
          await log.setSummary(KEY, `summary ${++cuts}`, { through: version });
          seen = version + 1;
        }
      }
    })();
    for (let turn = 1; turn <= 6; turn++) {
      model.enqueue([functionCall('lookup', { q: `t${turn}a` }, { callId: `t${turn}a` }), functionCall('lookup', { q: `t${turn}b` }, { callId: `t${turn}b` })]);
      model.enqueue([assistantMessage(`answer ${turn}`)]);
      if (turn % 2 === 0) {
        const first = await runner.run(gated, `question ${turn}`, { session });
        // A cut right after the calls were stored and before their results exist: the calls stay.
        await log.setSummary(KEY, `summary ${++cuts}`, { through: (await log.getSession(KEY))!.version });
        expect((await log.getHistory(KEY)).slice(-2).map((m) => m.callId)).toEqual([`t${turn}a`, `t${turn}b`]);
        for (const item of first.interruptions) first.state.approve(item);
        expect((await runner.run(gated, first.state, { session })).finalOutput).toBe(`answer ${turn}`);
      } else {
        expect((await runner.run(plain, `question ${turn}`, { session })).finalOutput).toBe(`answer ${turn}`);
      }
    }
    running = false;
    await summariser;
    model.assertComplete();
    expect(cuts).toBeGreaterThan(6);
    // The summariser did cut: messages left the history at summary events.
    let cutAway = 0;
    for await (const step of log.replay(KEY)) if (step.event.type === 'summary.set') cutAway += step.removed.length;
    expect(cutAway).toBeGreaterThan(10);
    expect(executed).toHaveLength(12);
    // What the model was sent never held a result without its call.
    for (const call of model.calls) expect(orphanResults(inputOf(call))).toEqual([]);
    // Nor did any version of the history.
    const head = (await log.getSession(KEY))!.version;
    for (let v = 1; v <= head; v++) expect(orphanResults(await log.getHistory(KEY, { atVersion: v }))).toEqual([]);
    // A later turn starts with the summary, then what was not cut.
    model.enqueue([assistantMessage('done')]);
    await runner.run(plain, 'last question', { session });
    const sent = inputOf(model.lastCall);
    expect(sent[0]).toEqual({ role: 'system', content: `Earlier: ${await log.getSummary(KEY)}` });
    expect(sent.slice(1, -1)).toEqual(await log.getHistory(KEY, { atVersion: head }));
  });

  it('keeps the bytes of a tool that returns an image, and sends them back to the model after a reopen', async () => {
    const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
    const screenshot = tool({
      name: 'screenshot',
      description: 'Takes a screenshot.',
      parameters: z.object({}),
      execute: async () => ({ type: 'image' as const, image: { data: png, mediaType: 'image/png' } }),
    });
    const model = new ScriptedModel([[functionCall('screenshot', {}, { callId: 'shot' })], [assistantMessage('I see it')]]);
    const agent = new Agent({ name: 'viewer', instructions: 'Look.', model, tools: [screenshot] });
    await runner.run(agent, 'look', { session: new TurnlogSession({ log, sessionId: KEY }) });
    // The same bytes the model saw in this run, however the SDK encoded them.
    const seen = JSON.stringify(inputOf(model.calls[1]).find((i) => 'type' in i && i.type === 'function_call_result'));
    expect(seen).toContain(Buffer.from(png).toString('base64'));
    // Bytes given straight to the session (not through the runner) are kept as base64 too.
    const direct = new TurnlogSession({ log, sessionId: KEY });
    await direct.addItems([{ type: 'function_call', callId: 'd', name: 'screenshot', arguments: '{}' }, { type: 'function_call_result', callId: 'd', name: 'screenshot', status: 'completed', output: { type: 'image', image: { data: png, mediaType: 'image/png' } } }]);
    await log.close();

    log = await h.open();
    const next = new ScriptedModel([[assistantMessage('still there')]]);
    await runner.run(agent.clone({ model: next }), 'again', { session: new TurnlogSession({ log, sessionId: KEY }) });
    const results = inputOf(next.calls[0]).filter((i) => 'type' in i && i.type === 'function_call_result');
    expect(results).toHaveLength(2);
    for (const r of results) expect(JSON.stringify(r)).toContain(Buffer.from(png).toString('base64'));
  });

  it('stores a turn whose answer an output guardrail blocked through a history transaction, applied once', async () => {
    const transactions: SessionHistoryTransactionArgs[] = [];
    class Recording extends TurnlogSession {
      override async applyHistoryTransaction(args: SessionHistoryTransactionArgs): Promise<void> {
        transactions.push(structuredClone(args));
        return super.applyHistoryTransaction(args);
      }
    }
    const session = new Recording({ log, sessionId: KEY });
    const executed: string[] = [];
    const model = new ScriptedModel([[functionCall('lookup', { q: 'x' }, { callId: 'g1' })], [assistantMessage('the secret is 42')], [assistantMessage('ok')]]);
    const agent = new Agent({
      name: 'guarded', instructions: 'Use lookup.', model, tools: [lookupTool(executed)],
      outputGuardrails: [{ name: 'no-secrets', execute: async ({ agentOutput }) => ({ tripwireTriggered: String(agentOutput).includes('secret'), outputInfo: {} }) }],
    });
    await expect(runner.run(agent, 'tell me', { session })).rejects.toBeInstanceOf(OutputGuardrailTripwireTriggered);
    expect(transactions).toHaveLength(1);
    const [tx] = transactions;
    const events = [];
    for await (const e of log.readEvents(KEY)) events.push(e);
    expect(events.map((e) => e.eventId)).toEqual([tx!.operationId]);
    const stored = await log.getHistory(KEY);
    expect(JSON.stringify(stored)).not.toContain('secret');
    expect(orphanResults(stored)).toEqual([]);
    // The runner retrying the same operation (after a timeout, say) writes nothing more.
    await session.applyHistoryTransaction(tx!);
    expect((await log.getSession(KEY))?.version).toBe(1);
    await runner.run(agent, 'again', { session });
    expect(inputOf(model.lastCall)).toEqual([...stored, { type: 'message', role: 'user', content: 'again' }]);
  });
});
