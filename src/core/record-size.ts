import type { Key } from './layout.js';

/**
 * Bytes a key takes as LMDB stores it (its ordered-binary encoding): 9 per number (a type byte
 * and a float64), the UTF-8 bytes of a string, and one separator between parts. The keys
 * turnlog writes hold only numbers and hex digests, which this counts exactly; it is the same
 * function on every key-value backend, so the memory store reports what LMDB would hold.
 */
export function storedKeyBytes(key: Key): number {
  let n = key.length > 0 ? key.length - 1 : 0;
  for (const part of key) n += typeof part === 'number' ? 9 : Buffer.byteLength(part, 'utf8');
  return n;
}
