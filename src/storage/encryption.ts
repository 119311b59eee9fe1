import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalid, TurnlogError } from '../errors.js';
import { fsError, KEY_CHECK_FILE, notAStore, placeNewFile } from './store-files.js';
import type { StoreState } from './store-guard.js';


/**
 * Encryption at rest uses LMDB's own page encryption (ChaCha8), with two traps of the binding
 * guarded here: it takes the key as text of exactly 32 UTF-8 bytes (a Buffer aborts the
 * process), and a wrong key opens fine and reads as an empty store. So the key the caller gives
 * (32 bytes or a 32-byte string) is turned into 32 ASCII characters (192 bits, SHA-256 based),
 * and a key-check file beside the data lets a wrong or missing key be refused before LMDB opens.
 * The data file's meta page says whether its pages are encrypted; it must agree with the
 * presence of the key-check file, or LMDB would read plain pages as ciphertext (or the reverse)
 * and crash.
 */
const CHECK_TEXT = 'turnlog encryption key check v1';

export type EncryptionKey = Buffer | Uint8Array | string;

export function keyBytes(key: EncryptionKey): Buffer {
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

function readCheck(file: string): Buffer {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw fsError('read', file, error);
  }
  if (!/^[0-9a-f]{64}$/.test(text)) notAStore(file, 'it is not a turnlog key-check file');
  return Buffer.from(text, 'hex');
}

function assertKeyMatches(path: string, file: string, key: EncryptionKey | undefined, what: string): void {
  const want = readCheck(file);
  if (key === undefined) throw new TurnlogError('WRONG_KEY', `the store at ${path} ${what}; pass its encryptionKey`);
  const got = Buffer.from(check(key), 'hex');
  if (!timingSafeEqual(want, got)) throw new TurnlogError('WRONG_KEY', `wrong encryptionKey for the store at ${path}`);
}

export interface PreparedKey {
  /** The key for LMDB, or undefined for a plain store. */
  lmdbKey: string | undefined;
  /** This call wrote `turnlog.key` (removed again if creating the store fails). */
  wroteKeyFile: boolean;
}

/**
 * Before LMDB opens `path`: an existing store is opened only with the key it was created with
 * (or with none if it is not encrypted); a new store with a key gets its key-check file first,
 * written atomically, so that its data file never exists without it. A key-check file left in
 * a directory without a data file (a creation cut short) binds that directory to its key.
 */
export function prepareEncryption(path: string, state: StoreState, key: EncryptionKey | undefined): PreparedKey {
  const file = join(path, KEY_CHECK_FILE);
  const derived = key === undefined ? undefined : lmdbKey(key);
  if (state.kind === 'existing') {
    if (state.encrypted && !state.keyFile) notAStore(path, `its data file is encrypted but its key-check file ${KEY_CHECK_FILE} is missing (restore it from a backup)`);
    if (!state.encrypted && state.keyFile) notAStore(path, `it holds a ${KEY_CHECK_FILE} but its data file is not encrypted`);
    if (!state.encrypted) {
      if (key !== undefined) throw new TurnlogError('WRONG_KEY', `the store at ${path} is not encrypted; open it without encryptionKey`);
      return { lmdbKey: undefined, wroteKeyFile: false };
    }
    assertKeyMatches(path, file, key, 'is encrypted');
    return { lmdbKey: derived, wroteKeyFile: false };
  }
  if (state.keyFile) {
    assertKeyMatches(path, file, key, 'was being created encrypted');
    return { lmdbKey: derived, wroteKeyFile: false };
  }
  if (key === undefined) return { lmdbKey: undefined, wroteKeyFile: false };
  let wrote: boolean;
  try {
    wrote = placeNewFile(path, file, Buffer.from(`${check(key)}\n`), 'key');
  } catch (error) {
    throw fsError('write the key-check file', file, error);
  }
  // Another process created the store at the same moment: its key must be ours.
  if (!wrote) assertKeyMatches(path, file, key, 'is being created encrypted');
  return { lmdbKey: derived, wroteKeyFile: wrote };
}
