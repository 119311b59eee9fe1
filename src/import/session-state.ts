import type { SessionLog } from '../engine/session-log.js';
import { isTurnlogError } from '../errors.js';
import type { Message, SessionInfo } from '../types.js';

/** A session's info and its visible history, both at `info.version`. */
export interface SessionState {
  info: SessionInfo;
  messages: Message[];
}

/** Reads of a session before settling for what the last one found (see currentState). */
const ATTEMPTS = 5;

/**
 * The session's current info and history, of one version: the history is read at the version
 * the info reported, so a write between the two reads cannot mix two states. When that version
 * is gone by the second read (GC collected it, or the session was deleted and created again
 * shorter or emptier) both are read again, a bounded number of times (a session rewritten
 * faster than it can be read twice is read as the last attempt found it). Undefined when the
 * session does not exist.
 */
export async function currentState(log: SessionLog, key: string): Promise<SessionState | undefined> {
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= ATTEMPTS;
    const info = await log.getSession(key);
    if (info === undefined) return undefined;
    try {
      const messages = await log.getHistory(key, { atVersion: info.version });
      // A deleted session reads as empty at any version: the count tells it apart.
      if (messages.length === info.messageCount || last) return { info, messages };
    } catch (error) {
      if (last || !(isTurnlogError(error, 'PRUNED') || isTurnlogError(error, 'INVALID_ARGUMENT'))) throw error;
    }
  }
}
