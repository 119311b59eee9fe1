import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import { expectCode } from './support/messages.js';
import { snapshotTree } from './support/tree.js';
import { tempDir } from './support/harness.js';

/**
 * 'flushed' is the only durability: 'committed' was removed because the storage engine reports a
 * commit only after its disk sync, so it never resolved sooner. Old code that still passes it
 * must learn why at once, before anything is created or written.
 */
const REMOVED = "durability 'committed' was removed: with this storage engine a commit is reported only after its disk sync, so it was never faster than 'flushed'";

let dir: string;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("durability 'committed'", () => {
  it('is refused with INVALID_ARGUMENT saying why, and no store directory or file is created', async () => {
    const path = join(dir, 'store');
    const error = await expectCode(() => openSessionLog({ path, durability: 'committed' as never }), 'INVALID_ARGUMENT');
    expect(error.message).toBe(REMOVED);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is refused on an existing store, which is left byte for byte as it was', async () => {
    const path = join(dir, 'store');
    const log = openSessionLog({ path });
    await log.addMessage('k', 'user', 'hello');
    await log.close();
    const before = snapshotTree(dir);
    const error = await expectCode(() => openSessionLog({ path, durability: 'committed' as never }), 'INVALID_ARGUMENT');
    expect(error.message).toBe(REMOVED);
    expect(snapshotTree(dir)).toEqual(before);
  });
});

describe("durability 'flushed'", () => {
  it('is still accepted when given explicitly; its writes survive a reopen', async () => {
    const path = join(dir, 'store');
    const log = openSessionLog({ path, durability: 'flushed' });
    await log.addMessage('k', 'user', 'hello');
    await log.close();
    const again = openSessionLog({ path, create: false });
    expect(await again.getHistory('k')).toEqual([{ role: 'user', content: 'hello' }]);
    await again.close();
  });

  it('is the only value named when another one is given', async () => {
    const error = await expectCode(() => openSessionLog({ path: join(dir, 'store'), durability: 'sometimes' as never }), 'INVALID_ARGUMENT');
    expect(error.message).toBe("durability must be 'flushed'");
    expect(readdirSync(dir)).toEqual([]);
  });
});
