import { parseMessage, parsePatch } from '../core/codec.js';
import type { LogEvent } from '../core/events.js';
import type { SessionEvent } from '../types.js';

/** The public form of an event: messages and patches parsed (by the codec, CORRUPT if damaged). */
export function toPublicEvent(e: LogEvent): SessionEvent {
  const base = { version: e.version, at: e.at, ...(e.eventId === undefined ? {} : { eventId: e.eventId }) };
  const where = `event ${e.version}`;
  switch (e.type) {
    case 'messages.added':
    case 'history.replaced':
      return { ...base, type: e.type, from: e.from, messages: e.messagesJson.map((m) => parseMessage(m, `message of ${where}`)) };
    case 'summary.set':
      return { ...base, type: e.type, summary: e.summary, ...(e.through === undefined ? {} : { through: e.through }), ...(e.start === undefined ? {} : { start: e.start }) };
    case 'history.truncated':
      return { ...base, type: e.type, keepLast: e.keepLast, safe: e.safe, start: e.start };
    case 'metadata.updated':
      return { ...base, type: e.type, patch: parsePatch(e.patchJson, `patch of ${where}`) };
  }
}
