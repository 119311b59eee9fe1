/** The independent fold of the published conformance suite, shared with the project's own tests. */
export { replayEvents } from '../../src/testing/replay.js';
