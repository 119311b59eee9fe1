/**
 * Runs for a property: the test's own CI-sized default, or TURNLOG_PROP_RUNS when set (longer
 * local runs and the soak). The seed is fixed globally in setup.ts.
 */
export function propRuns(ciDefault: number): { numRuns: number } {
  const env = process.env['TURNLOG_PROP_RUNS'];
  return { numRuns: env === undefined ? ciDefault : Number(env) };
}
