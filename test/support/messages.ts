/** The message helpers of the published conformance suite, shared with the project's own tests. */
export { expectCode, texts, toolTurn } from '../../src/testing/messages.js';
