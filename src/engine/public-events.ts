import { decodeMessage } from '../core/codec.js';
import type { StoredEvent } from '../core/events.js';
import type { SessionEvent } from '../types.js';

/** The public form of a stored event: messages and patches parsed, short field names spelled out. */
export function toPublicEvent(e: StoredEvent): SessionEvent {
  const base = { version: e.v, at: e.at, ...(e.id === undefined ? {} : { eventId: e.id }) };
  switch (e.t) {
    case 'messages.added':
    case 'history.replaced':
      return { ...base, type: e.t, from: e.f as number, messages: (e.m ?? []).map(decodeMessage) };
    case 'summary.set':
      return { ...base, type: e.t, summary: e.s as string, ...(e.th === undefined ? {} : { through: e.th }), ...(e.st === undefined ? {} : { start: e.st }) };
    case 'history.truncated':
      return { ...base, type: e.t, keepLast: e.k as number, safe: e.sf === true, start: e.st as number };
    case 'metadata.updated':
      return { ...base, type: e.t, patch: JSON.parse(e.p as string) as Record<string, unknown> };
  }
}
