import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkTexts, decodeChunk, decodeChunkSized, encodeChunk } from '../src/core/codec.js';
import { isTurnlogError } from '../src/errors.js';
import { propRuns } from './support/prop.js';

/**
 * Chunks (store format 2): compressed when that is smaller, and read back either way — a
 * format-1 chunk is its JSON array text as it is. A stub event's messages are cut out of the
 * chunk text, so the cut must give back each message's JSON text byte for byte, whatever its
 * strings hold (quotes, backslashes, brackets, commas, any Unicode) and however it was spaced.
 */
const message = fc.record({ role: fc.constantFrom('user', 'assistant', 'tool'), content: fc.jsonValue() }, { requiredKeys: ['role'] });
const spaced = (json: string, pad: number): string => (pad === 0 ? json : JSON.stringify(JSON.parse(json), null, pad));

describe('chunk codec', () => {
  it('gives back every message JSON text exactly, compressed or stored as format 1 did', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(message, fc.constantFrom(0, 0, 1, 2)), { minLength: 1, maxLength: 20 }), (ms) => {
        const texts = ms.map(([m, pad]) => spaced(JSON.stringify(m), pad));
        const v2 = encodeChunk(texts);
        const v1 = Buffer.from(`[${texts.join(',')}]`, 'utf8');
        for (const bytes of [v2, v1]) {
          expect(chunkTexts(bytes)).toEqual(texts);
          expect(decodeChunk(bytes)).toEqual(texts.map((t) => JSON.parse(t) as unknown));
          expect(decodeChunkSized(bytes).textBytes).toBe(v1.toString('utf8').length);
        }
      }),
      propRuns(300),
    );
  });

  it('compresses text that repeats, keeps text that does not compress as it is', () => {
    const long = encodeChunk(Array.from({ length: 32 }, (_, i) => JSON.stringify({ role: 'user', content: `the same words again ${i % 4}` })));
    expect(long[0]).toBe(0x01);
    const short = encodeChunk(['{"a":1}']);
    expect(Buffer.from(short).toString('utf8')).toBe('[{"a":1}]');
  });

  it('a damaged compressed chunk is CORRUPT', () => {
    const bytes = Buffer.from(encodeChunk(Array.from({ length: 32 }, () => '{"role":"user","content":"hello hello hello"}')));
    for (const damage of [bytes.subarray(0, 5), Buffer.concat([bytes.subarray(0, 3), Buffer.from([0xff, 0xff, 0xff]), bytes.subarray(6)])]) {
      for (const read of [decodeChunk, chunkTexts]) {
        let error: unknown;
        try {
          read(damage);
        } catch (e) {
          error = e;
        }
        expect(isTurnlogError(error) && error.code === 'CORRUPT').toBe(true);
      }
    }
  });
});
