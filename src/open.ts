import { SessionLogEngine } from './engine/session-log.js';
import { KvSessionStore } from './engine/kv-store.js';
import type { ResolvedOptions } from './engine/options.js';
import type { SessionLog } from './engine/session-log.js';
import { resolveOptions } from './engine/options.js';
import type { MemorySessionLogOptions, SessionLogOptions } from './engine/options.js';
import { invalid } from './errors.js';
import { checkOptionKeys, optionNames, readClock } from './core/validate.js';
import { openLmdbBackend } from './storage/open-stores.js';
import { MemoryBackend } from './storage/memory-backend.js';
import type { Backend } from './storage/backend.js';

const SESSION_LOG_OPTION_NAMES = optionNames<SessionLogOptions>()([
  'path',
  'durability',
  'maxMessageBytes',
  'checkpointEvery',
  'readCacheBytes',
  'clock',
  'create',
  'checkOnOpen',
  'encryptionKey',
  'ttl',
  'maxMessages',
  'replayWindow',
  'autoGc',
  'maxExpireShare',
]);
const MEMORY_OPTION_NAMES = optionNames<MemorySessionLogOptions>()(['maxMessageBytes', 'checkpointEvery', 'readCacheBytes', 'clock', 'ttl', 'maxMessages', 'replayWindow', 'autoGc', 'maxExpireShare']);

/** Unknown keys, also inside `autoGc: { interval }`, are INVALID_ARGUMENT naming the key. */
function checkKeys(options: { autoGc?: unknown }, names: readonly string[]): void {
  checkOptionKeys('options', options, names);
  const autoGc = options.autoGc;
  if (typeof autoGc === 'object' && autoGc !== null) checkOptionKeys('autoGc', autoGc, ['interval']);
}

/**
 * 'flushed' is the only durability. 'committed' was meant to resolve sooner and never did (the
 * binding reports a commit only after its disk sync): code still passing it is told why.
 */
function checkDurability(durability: unknown): void {
  if (durability === undefined || durability === 'flushed') return;
  if (durability === 'committed') {
    invalid("durability 'committed' was removed: with this storage engine a commit is reported only after its disk sync, so it was never faster than 'flushed'");
  }
  invalid("durability must be 'flushed'");
}

/**
 * Opens (or creates) the store at `options.path`. Synchronous. Throws CORRUPT for anything that
 * is not a turnlog store (or a store file LMDB cannot safely open), UNSUPPORTED_FORMAT for a
 * newer one, INVALID_ARGUMENT for a non-empty directory that holds no store, IO_ERROR when the
 * file system refuses (full, read-only, permissions), and never writes to any of them. A new
 * store is created whole or not at all (see docs/reliability.md).
 */
export function openSessionLog(options: SessionLogOptions): SessionLog {
  if (typeof options !== 'object' || options === null) invalid('options must be an object');
  checkKeys(options, SESSION_LOG_OPTION_NAMES);
  if (typeof options.path !== 'string' || options.path.length === 0) invalid('path must be a non-empty string');
  checkDurability(options.durability);
  const check = options.checkOnOpen ?? 'auto';
  if (check !== 'auto' && check !== 'full' && check !== 'quick') invalid("checkOnOpen must be 'auto', 'full' or 'quick'");
  const resolved = resolveOptions(options);
  const backend = openLmdbBackend({ path: options.path, create: options.create ?? true, now: readClock(resolved.clock), checkOnOpen: check, encryptionKey: options.encryptionKey });
  return onBackend(backend, resolved);
}

/** A session log held in memory only: the reference backend, handy in applications' own tests. */
export function openMemorySessionLog(options: MemorySessionLogOptions = {}): SessionLog {
  checkKeys(options, MEMORY_OPTION_NAMES);
  return onBackend(new MemoryBackend(), resolveOptions(options));
}

/** Opens a session log over any backend (advanced: custom storage, tests). */
export function openSessionLogOn(backend: Backend, options: MemorySessionLogOptions = {}): SessionLog {
  checkKeys(options, MEMORY_OPTION_NAMES);
  return onBackend(backend, resolveOptions(options));
}

function onBackend(backend: Backend, resolved: ResolvedOptions): SessionLog {
  return new SessionLogEngine(new KvSessionStore(backend, resolved), resolved);
}
