import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalid, TurnlogError } from '../errors.js';

/**
 * Encryption at rest uses LMDB's own page encryption (ChaCha8), with two traps of the binding
 * guarded here: it takes the key as text of exactly 32 UTF-8 bytes (a Buffer aborts the
 * process), and a wrong key opens fine and reads as an empty store. So the key the caller gives
 * (32 bytes or a 32-byte string) is turned into 32 ASCII characters (192 bits, SHA-256 based),
 * and a key-check file beside the data lets a wrong or missing key be refused before LMDB opens.
 */
export const KEY_CHECK_FILE = 'turnlog.key';
const CHECK_TEXT = 'turnlog encryption key check v1';

export type EncryptionKey = Buffer | Uint8Array | string;

function keyBytes(key: EncryptionKey): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  if (bytes.length !== 32) invalid('encryptionKey must be 32 bytes (a Buffer/Uint8Array of 32 bytes or a string of 32 UTF-8 bytes)');
  return bytes;
}

/** The text key handed to LMDB: 32 base64url characters derived from the caller's 32 bytes. */
export function lmdbKey(key: EncryptionKey): string {
  return createHash('sha256').update('turnlog lmdb key v1').update(keyBytes(key)).digest('base64url').slice(0, 32);
}

function check(key: EncryptionKey): string {
  return createHmac('sha256', keyBytes(key)).update(CHECK_TEXT).digest('hex');
}

/**
 * Before LMDB opens `path`: a new store with a key gets its key-check file; an existing one is
 * opened only with the key it was created with (or with none if it is not encrypted).
 */
export function prepareEncryption(path: string, existing: boolean, key: EncryptionKey | undefined): string | undefined {
  const file = join(path, KEY_CHECK_FILE);
  const derived = key === undefined ? undefined : lmdbKey(key);
  if (!existing) {
    if (key !== undefined) writeFileSync(file, `${check(key)}\n`, { mode: 0o600 });
    return derived;
  }
  const recorded = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  if (recorded === undefined && key !== undefined) throw new TurnlogError('WRONG_KEY', `the store at ${path} is not encrypted; open it without encryptionKey`);
  if (recorded !== undefined && key === undefined) throw new TurnlogError('WRONG_KEY', `the store at ${path} is encrypted; pass its encryptionKey`);
  if (recorded !== undefined && key !== undefined) {
    const want = Buffer.from(recorded, 'hex');
    const got = Buffer.from(check(key), 'hex');
    if (want.length !== got.length || !timingSafeEqual(want, got)) throw new TurnlogError('WRONG_KEY', `wrong encryptionKey for the store at ${path}`);
  }
  return derived;
}
