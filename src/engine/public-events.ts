import { parseMessage, parsePatch } from '../core/codec.js';
import type { LogEvent, SessionForked } from '../core/events.js';
import type { SessionEvent } from '../types.js';

/** The public form of an event: messages and patches parsed (by the codec, CORRUPT if damaged). */
export function toPublicEvent(e: LogEvent): SessionEvent {
  const out = publicBody(e);
  if (e.eventId !== undefined) out.eventId = e.eventId;
  return out;
}

function publicBody(e: LogEvent): SessionEvent {
  const { version, at } = e;
  switch (e.type) {
    case 'messages.added':
    case 'history.replaced': {
      const messages = e.messagesJson.map((m) => parseMessage(m, () => `message of event ${version}`));
      return { version, at, type: e.type, from: e.from, messages };
    }
    case 'summary.set': {
      const out: SessionEvent = { version, at, type: e.type, summary: e.summary };
      if (e.through !== undefined) out.through = e.through;
      if (e.start !== undefined) out.start = e.start;
      return out;
    }
    case 'history.truncated':
      return { version, at, type: e.type, keepLast: e.keepLast, safe: e.safe, start: e.start };
    case 'metadata.updated':
      return { version, at, type: e.type, patch: parsePatch(e.patchJson, () => `patch of event ${version}`) };
    case 'messages.removed':
      return { version, at, type: e.type, count: e.count, from: e.from };
    case 'messages.replaced': {
      const messages = e.messagesJson.map((m) => parseMessage(m, () => `message of event ${version}`));
      return { version, at, type: e.type, removed: e.removed, messages, from: e.from };
    }
    case 'session.forked':
      return publicFork(e);
  }
}

function publicFork(e: SessionForked): SessionEvent {
  const { version, at } = e;
  const messages = e.messagesJson.map((m) => parseMessage(m, () => `message of event ${version}`));
  const metadata = parsePatch(e.metadataJson, () => `metadata of event ${version}`);
  return { version, at, type: e.type, forkedFrom: { key: e.sourceKey, version: e.sourceVersion }, messages, from: e.from, summary: e.summary, metadata };
}
