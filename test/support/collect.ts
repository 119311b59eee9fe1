/** The helper of the published conformance suite, shared with the project's own tests. */
export { collect } from '../../src/testing/collect.js';
