/**
 * The one place where stored bytes become values, and values become stored bytes. Envelopes are
 * MessagePack (compact, fast); user data inside them is JSON text (see validate.ts). Every
 * decoder checks the whole shape and returns a readable, typed value, or throws CORRUPT naming
 * the record: a damaged record is never a wrong answer, a raw SyntaxError or a crash. The short
 * field names of the on-disk layout (store format 2, docs/architecture.md) appear in the codec-*.ts files
 * only. This module re-exports them: callers import from here.
 */
export type { RecordName } from './codec-fields.js';
export { encodeEvent, decodeEvent } from './codec-events.js';
export type { StubResolver } from './codec-events.js';
export { encodePack, decodePack, isPack, eventsInRow } from './codec-packs.js';
export { parseMessage, parsePatch, encodeChunk, decodeChunk, decodeChunkSized, chunkTexts } from './codec-json.js';
export type { HeadRecord, StateRecord, CheckpointRecord } from './codec-session-records.js';
export { encodeHead, decodeHead, encodeState, decodeState, encodeCheckpoint, decodeCheckpoint } from './codec-session-records.js';
export type { FormatRecord, Counter, Counts, EventIdEntry } from './codec-store-records.js';
export { STORE_FORMAT, COUNTERS, encodeFormat, decodeFormat, encodeCounters, decodeCounters, encodeEventIdEntry, decodeEventIdEntry, encodeNumber, decodeNumber, encodeRecentEntry, decodeRecentEntry } from './codec-store-records.js';
