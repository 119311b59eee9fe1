import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BACKENDS, WITH_POSTGRES, lmdbHarness, memoryHarness } from './support/harness.js';
import { PG_SKIP_TITLE } from './support/pg-harness.js';
import { runConformanceSuite } from '../src/testing/index.js';

/** The published suite (`turnlog/testing`) over every store this machine has. */
for (const [name, factory] of BACKENDS) {
  describe(`conformance: ${name}`, () => runConformanceSuite(factory));
}

// What the published suite leaves to each store: the LMDB engine (on LMDB and in memory) counts
// the events behind a session's newest checkpoint as dead. PostgreSQL has no checkpoints.
describe.each([
  ['lmdb', lmdbHarness],
  ['memory', memoryHarness],
])('checkpointed stats: %s', (_name, factory) => {
  it('counts the events behind the newest checkpoint as dead bytes', async () => {
    const h = factory();
    try {
      const log = await h.open({ checkpointEvery: 4 });
      for (let i = 0; i < 9; i++) await log.addMessage('k', 'user', `m${i}`);
      const s = await log.stats();
      expect(s.format).toEqual({ store: 2, projection: 1 });
      expect(s.deadBytes).toBeGreaterThan(0); // events 1–8, behind the checkpoint at 8
      expect(s.deadBytes).toBeLessThan(s.logBytes);
    } finally {
      await h.dispose();
    }
  });
});

// The one visible line when PostgreSQL is not here (and not required), counted as a skipped test too.
if (!WITH_POSTGRES) {
  console.warn(PG_SKIP_TITLE);
  describe.skip(PG_SKIP_TITLE, () => it.skip('needs PostgreSQL', () => undefined));
}

describe('turnlog/testing', () => {
  it('is a package subpath built from src/testing', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, Record<string, string>>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(pkg.exports['./testing']).toEqual({ types: './dist/src/testing/index.d.ts', import: './dist/src/testing/index.js', default: './dist/src/testing/index.js' });
    expect(existsSync(new URL('../src/testing/index.ts', import.meta.url))).toBe(true);
    expect(pkg.peerDependenciesMeta['vitest']?.optional).toBe(true);
  });

  it('is never loaded by the main entry: nothing outside src/testing imports it', () => {
    const src = fileURLToPath(new URL('../src', import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (path !== join(src, 'testing')) walk(path);
        } else if (/\.[cm]?ts$/.test(entry.name) && /from\s+['"][^'"]*\/testing\//.test(readFileSync(path, 'utf8'))) {
          offenders.push(relative(src, path));
        }
      }
    };
    walk(src);
    expect(offenders).toEqual([]);
  });
});
