import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * One project per test tier, told apart by file name: `*.test.ts` unit, `*.prop.test.ts`
 * fast-check properties, `*.int.test.ts` child processes and the CLI (these need a build).
 * `npm test` runs all three; `npm run test:unit|test:prop|test:int` one.
 */
const PROP = 'test/**/*.prop.test.ts';
const INT = 'test/**/*.int.test.ts';

export default defineConfig({
  test: {
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker less than the cores: one worker on a 2-core machine. Most
    // files wait on child processes, disk syncs or PostgreSQL, so two run side by side well.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [PROP, INT] } },
      { extends: true, test: { name: 'prop', include: [PROP] } },
      { extends: true, test: { name: 'int', include: [INT] } },
    ],
  },
});
