import { pack, damaged, int, isSignedInt, num, str, unpackMap } from './codec-fields.js';
import type { Fields, RecordName } from './codec-fields.js';
import type { LogEvent, SessionForked } from './events.js';

// ------------------------------------------------------------------ events

/**
 * On disk: { t, m?, s?, th?, st?, k?, sf?, p?, n?, rg?, v, at, id?, f? }, in this order (a fork:
 * { t, sk, sv, m, s, p, v, at, id?, f }). `n` is
 * the count a removal removes, `rg` the chunk region it starts. A turnlog from before removals
 * existed reads their types as an unknown event type: CORRUPT, never a misread history.
 *
 * A stub (store format 2) is an event whose messages were sealed into chunks: instead of `m` it
 * has `c`, the chunk key position of its first message, and `mc`, how many; its messages are
 * those chunk positions' JSON texts, byte for byte (see `stubAt` in checkpoint.ts).
 */
export function encodeEvent(e: LogEvent, stub?: number): Uint8Array {
  const r: Fields = { t: e.type };
  switch (e.type) {
    case 'messages.added':
    case 'history.replaced':
      encodeMessages(e.messagesJson, r, stub);
      break;
    case 'summary.set':
      r['s'] = e.summary;
      if (e.through !== undefined) r['th'] = e.through;
      if (e.start !== undefined) r['st'] = e.start;
      break;
    case 'history.truncated':
      r['k'] = e.keepLast;
      r['sf'] = e.safe;
      r['st'] = e.start;
      break;
    case 'metadata.updated':
      r['p'] = e.patchJson;
      break;
    case 'messages.removed':
      r['n'] = e.count;
      if (e.region !== undefined) r['rg'] = e.region;
      break;
    case 'messages.replaced':
      encodeMessages(e.messagesJson, r, stub);
      r['n'] = e.removed;
      if (e.region !== undefined) r['rg'] = e.region;
      break;
    case 'session.forked':
      encodeForkFields(e, r, stub);
      break;
  }
  r['v'] = e.version;
  r['at'] = e.at;
  if (e.eventId !== undefined) r['id'] = e.eventId;
  if (e.type !== 'summary.set' && e.type !== 'history.truncated' && e.type !== 'metadata.updated') r['f'] = e.from;
  return pack(r);
}

/**
 * The messages of a stub: the JSON texts at chunk key positions [at, at + count) of the event's
 * session. Without one, a stub is CORRUPT (no store that writes stubs decodes without one).
 */
export type StubResolver = (at: number, count: number) => string[];

export function decodeEvent(bytes: Uint8Array, what: RecordName = 'event', resolve?: StubResolver): LogEvent {
  const r = unpackMap(bytes, what);
  if (r['c'] !== undefined) r['m'] = resolveStub(r, what, resolve);
  const version = int(r, 'v', what);
  if (version < 1) damaged(what, 'version below 1');
  const at = num(r, 'at', what);
  const eventId = r['id'];
  if (eventId !== undefined && typeof eventId !== 'string') damaged(what, 'id is not a string');
  const e = decodeEventBody(r, version, at, what);
  if (eventId !== undefined) e.eventId = eventId;
  return e;
}

function decodeEventBody(r: Fields, version: number, at: number, what: RecordName): LogEvent {
  const type = r['t'];
  switch (type) {
    case 'messages.added':
    case 'history.replaced':
      return { version, at, type, from: int(r, 'f', what), messagesJson: jsonTexts(r, what) };
    case 'messages.removed': {
      const e: LogEvent = { version, at, type, from: int(r, 'f', what), count: int(r, 'n', what) };
      if (r['rg'] !== undefined) e.region = int(r, 'rg', what);
      return e;
    }
    case 'messages.replaced': {
      const e: LogEvent = { version, at, type, from: int(r, 'f', what), removed: int(r, 'n', what), messagesJson: jsonTexts(r, what) };
      if (r['rg'] !== undefined) e.region = int(r, 'rg', what);
      return e;
    }
    case 'summary.set': {
      const e: LogEvent = { version, at, type, summary: str(r, 's', what) };
      if (r['th'] !== undefined) e.through = int(r, 'th', what);
      if (r['st'] !== undefined) e.start = int(r, 'st', what);
      return e;
    }
    case 'history.truncated': {
      const keepLast = r['k'];
      if (!isSignedInt(keepLast)) damaged(what, 'k is not an integer');
      const safe = r['sf'] ?? false;
      if (typeof safe !== 'boolean') damaged(what, 'sf is not a boolean');
      return { version, at, type, keepLast, safe, start: int(r, 'st', what) };
    }
    case 'metadata.updated':
      return { version, at, type, patchJson: str(r, 'p', what) };
    case 'session.forked':
      return decodeForkFields(r, version, at, what);
    default:
      return damaged(what, 'unknown event type');
  }
}

/**
 * A fork's own fields: `sk`/`sv` the source key and version, `m` the messages, `s` the summary, `p`
 * the whole metadata (JSON text); `f`, the first position, follows with the other positions.
 */
function encodeForkFields(e: SessionForked, r: Fields, stub: number | undefined): void {
  r['sk'] = e.sourceKey;
  r['sv'] = e.sourceVersion;
  encodeMessages(e.messagesJson, r, stub);
  r['s'] = e.summary;
  r['p'] = e.metadataJson;
}

function decodeForkFields(r: Fields, version: number, at: number, what: RecordName): SessionForked {
  return { version, at, type: 'session.forked', sourceKey: str(r, 'sk', what), sourceVersion: int(r, 'sv', what), from: int(r, 'f', what), messagesJson: jsonTexts(r, what), summary: str(r, 's', what), metadataJson: str(r, 'p', what) };
}

function encodeMessages(messagesJson: string[], r: Fields, stub: number | undefined): void {
  if (stub === undefined) r['m'] = messagesJson;
  else {
    r['c'] = stub;
    r['mc'] = messagesJson.length;
  }
}

function resolveStub(r: Fields, what: RecordName, resolve: StubResolver | undefined): string[] {
  if (r['m'] !== undefined) damaged(what, 'both messages and a chunk reference');
  if (resolve === undefined) return damaged(what, 'a stub event where none can be resolved');
  const at = int(r, 'c', what);
  const count = int(r, 'mc', what);
  const texts = resolve(at, count);
  if (texts.length !== count) damaged(what, `its chunks hold ${texts.length} of its ${count} messages`);
  return texts;
}

function jsonTexts(r: Fields, what: RecordName): string[] {
  const m = r['m'];
  if (!Array.isArray(m)) damaged(what, 'm is not a list of JSON texts');
  for (const x of m) if (typeof x !== 'string') damaged(what, 'm is not a list of JSON texts');
  return m as string[];
}
