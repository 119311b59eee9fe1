import fc from 'fast-check';
import { afterAll } from 'vitest';
import { removeTempDirs } from './harness.js';

/**
 * Property runs are reproducible: a fixed seed unless TURNLOG_PROP_SEED is set, and a modest
 * number of runs in CI that TURNLOG_PROP_RUNS raises for longer local or soak runs.
 */
const seed = process.env['TURNLOG_PROP_SEED'] === undefined ? 20261121 : Number(process.env['TURNLOG_PROP_SEED']);

fc.configureGlobal({ seed });

/** No test leaves a temporary store behind, whether or not it cleaned up itself. */
afterAll(removeTempDirs);
