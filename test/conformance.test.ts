import { describe } from 'vitest';
import { BACKENDS } from './support/harness.js';
import { readConformance } from './conformance/reads.js';
import { writeConformance } from './conformance/writes.js';
import { lifecycleConformance } from './conformance/lifecycle.js';
import { newestConformance } from './conformance/newest.js';

for (const [name, factory] of BACKENDS) {
  describe(`conformance: ${name}`, () => {
    writeConformance(factory);
    readConformance(factory);
    lifecycleConformance(factory);
    newestConformance(factory);
  });
}
