import { describe, expect, it } from 'vitest';
import { GroupCommit, MAX_BATCH } from '../src/engine/group-commit.js';

/**
 * A fake store: records each batch it committed; `failNext` makes the next commit reject. A change
 * named `bad…` fails in its decide phase, one named `boom…` fails while applying.
 */
function fakeStore() {
  const commits: string[][] = [];
  let fail: Error | undefined;
  const gc = new GroupCommit<string[]>(async (body) => {
    await Promise.resolve(); // an asynchronous commit, like a backend's
    if (fail !== undefined) {
      const e = fail;
      fail = undefined;
      throw e;
    }
    const committed: string[] = [];
    body(committed); // throwing here abandons the transaction: nothing is recorded
    commits.push(committed);
  });
  const submit = (x: string): Promise<string> =>
    gc.submit((committed) => {
      if (x.startsWith('bad')) throw new Error(`refused ${x}`);
      return {
        value: x.toUpperCase(),
        apply() {
          if (x.startsWith('boom')) throw new Error(`storage failed on ${x}`);
          committed.push(x);
        },
      };
    });
  return { gc: { submit }, commits, failNext: (e: Error) => (fail = e) };
}

describe('group commit', () => {
  it('commits the writes of one event-loop turn together, in submission order', async () => {
    const { gc, commits } = fakeStore();
    expect(await Promise.all(['a', 'b', 'c'].map((x) => gc.submit(x)))).toEqual(['A', 'B', 'C']);
    expect(commits).toEqual([['a', 'b', 'c']]);
    await gc.submit('d');
    expect(commits).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('fails only the request that its batch refused', async () => {
    const { gc, commits } = fakeStore();
    const outcomes = await Promise.allSettled([gc.submit('a'), gc.submit('bad-b'), gc.submit('c')]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((outcomes[1] as PromiseRejectedResult).reason as Error).message).toBe('refused bad-b');
    expect(commits).toEqual([['a', 'c']]);
  });

  it('abandons the whole batch when a change fails while applying, so nothing is half-written', async () => {
    const { gc, commits } = fakeStore();
    const outcomes = await Promise.allSettled([gc.submit('a'), gc.submit('boom-b'), gc.submit('c')]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'ok'))).toEqual(Array(3).fill('storage failed on boom-b'));
    expect(commits).toEqual([]);
    expect(await gc.submit('d')).toBe('D');
    expect(commits).toEqual([['d']]);
  });

  it('fails every request of a batch whose commit fails, and goes on with the next batch', async () => {
    const { gc, commits, failNext } = fakeStore();
    failNext(new Error('disk full'));
    const outcomes = await Promise.allSettled([gc.submit('a'), gc.submit('b')]);
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'ok'))).toEqual(['disk full', 'disk full']);
    await gc.submit('c');
    expect(commits).toEqual([['c']]);
  });

  it('never runs two batches at once: what arrives during a commit waits for the next one', async () => {
    const { gc, commits } = fakeStore();
    const first = gc.submit('a');
    await new Promise((r) => setImmediate(r)); // the first batch is now committing
    const second = Promise.all([gc.submit('b'), gc.submit('c')]);
    await Promise.all([first, second]);
    expect(commits).toEqual([['a'], ['b', 'c']]);
  });

  it('splits a burst larger than MAX_BATCH into several commits, keeping the order', async () => {
    const { gc, commits } = fakeStore();
    const n = MAX_BATCH * 2 + 1;
    await Promise.all(Array.from({ length: n }, (_, i) => gc.submit(String(i))));
    expect(commits.map((c) => c.length)).toEqual([MAX_BATCH, MAX_BATCH, 1]);
    expect(commits.flat()).toEqual(Array.from({ length: n }, (_, i) => String(i)));
  });
});
