/**
 * `turnlog/store`: for implementing a session store of your own (a database turnlog does not
 * ship). Implement `SessionStore`, apply writes with the pure rules below (so versions,
 * conflicts, duplicates and cuts are decided exactly as in the shipped stores), open it with
 * `openSessionLogOnStore`, and prove it with the conformance suite of `turnlog/testing`.
 * See docs/api.md ("Writing a store").
 */
export type { SessionStore } from './session-store.js';
export { openSessionLogOnStore } from './open-on-store.js';
export type { Change, RestoredId, WriteRequest } from '../core/changes.js';
export { decideVersion, draftOf, isNoChange, mayExceedCap, capEventAfter } from '../core/write-rules.js';
export type { CutReader, HeadView, SeenEventId, VersionDecision } from '../core/write-rules.js';
export { completeEvent, messageSpan, rewindOf } from '../core/events.js';
export type { EventDraft, LogEvent } from '../core/events.js';
export { applyEvent, emptyProjection, foldEvents } from '../core/projection.js';
export type { Projection } from '../core/projection.js';
export { classifyMessage } from '../core/message-shapes.js';
export type { MessageShape } from '../core/message-shapes.js';
export { encodeCursor, decodeCursor } from '../core/list-cursor.js';
export { chooseBase, clockJumpGuard } from '../core/gc-plan.js';
export { toPublicEvent } from '../engine/public-events.js';
export { replayStep } from '../engine/replay.js';
export { emptyReport } from '../engine/gc-report.js';
export type { GcPolicy, GcReport, StopSignal } from '../engine/gc-report.js';
export type { WriteOutcome } from '../engine/writer.js';
export type { KeptEventId } from '../engine/session-reads.js';
export type { VerifyReport, VerifyMismatch } from '../engine/verify.js';
export type { SessionLogStats } from '../engine/stats.js';
