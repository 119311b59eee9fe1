import { checkOptionKeys, optionNames } from '../core/validate.js';
import { invalid } from '../errors.js';
import { resolveOptions } from '../engine/options.js';
import type { MemorySessionLogOptions } from '../engine/options.js';
import { SessionLogEngine } from '../engine/session-log.js';
import type { SessionLog } from '../engine/session-log.js';
import type { SessionStore } from './session-store.js';

/** Options of `openSessionLogOnStore`: what the public layer itself applies. */
export type StoreSessionLogOptions = Pick<MemorySessionLogOptions, 'maxMessageBytes' | 'clock' | 'ttl' | 'replayWindow' | 'autoGc' | 'maxExpireShare' | 'maxMessages'>;

const NAMES = optionNames<StoreSessionLogOptions>()(['maxMessageBytes', 'clock', 'ttl', 'replayWindow', 'autoGc', 'maxExpireShare', 'maxMessages']);

/**
 * The public `SessionLog` over a store of your own: argument checks, encoding, the clock,
 * background GC and `close()` come from turnlog; the store applies. `maxMessages` is only
 * checked here — the store applies the cap when it writes (see `capEventAfter`).
 */
export function openSessionLogOnStore(store: SessionStore, options: StoreSessionLogOptions = {}): SessionLog {
  if (typeof store !== 'object' || store === null || typeof store.write !== 'function') invalid('store must implement SessionStore');
  checkOptionKeys('options', options, NAMES);
  return new SessionLogEngine(store, resolveOptions(options));
}
