import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../src/core/codec.js';
import { PROJECTION_FORMAT } from '../src/core/projection.js';
import { openSessionLogOn } from '../src/open.js';
import { MemoryBackend } from '../src/storage/memory-backend.js';
import { texts } from './support/messages.js';

describe('checkpoints', () => {
  it('a checkpoint written by another fold format is ignored, and reads fall back to the events', async () => {
    const backend = new MemoryBackend();
    const log = openSessionLogOn(backend, { checkpointEvery: 4 });
    for (let i = 0; i < 10; i++) await log.addMessage('k', 'user', `m${i}`);
    await log.truncateHistory('k', 5);
    await log.setSummary('k', 'sum');
    const want = texts(await log.getHistory('k'));
    const wantAt6 = texts(await log.getHistory('k', { atVersion: 6 }));
    // Rewrite every checkpoint as if an older fold had produced it, with a wrong projection.
    await backend.write((tx) => {
      const rows = [...tx.range('checkpoints', { low: [0], high: ['~'] })].map((e) => ({ key: [...e.key], cp: decodeCheckpoint(e.value) }));
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) tx.put('checkpoints', r.key, encodeCheckpoint({ projectionFormat: PROJECTION_FORMAT + 1, projection: { ...r.cp.projection, start: 0, summary: 'stale' } }));
    });
    expect(texts(await log.getHistory('k'))).toEqual(want);
    expect(texts(await log.getHistory('k', { atVersion: 6 }))).toEqual(wantAt6);
    expect(await log.getSummary('k', { atVersion: 11 })).toBe('');
    // …and the next checkpoint is written in the current format again.
    for (let i = 0; i < 4; i++) await log.addMessage('k', 'user', `n${i}`);
    expect(texts(await log.getHistory('k'))).toEqual([...want, 'n0', 'n1', 'n2', 'n3']);
    await log.close();
  });
});
