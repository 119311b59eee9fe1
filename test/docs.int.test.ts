import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { assertBuilt, DIST_ENTRY, ROOT, runNode } from './support/processes.js';
import { tempDir } from './support/harness.js';

/** Every ```ts block marked runnable in the README and docs runs as written against the build. */
beforeAll(assertBuilt);
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function examples(): Array<[string, string]> {
  const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const out: Array<[string, string]> = [];
  for (const f of files) {
    const text = readFileSync(join(ROOT, f), 'utf8');
    let i = 0;
    for (const m of text.matchAll(/```ts\n([\s\S]*?)```/g)) {
      const code = m[1] as string;
      if (code.includes("from 'turnlog'")) out.push([`${f} #${++i}`, code]);
    }
  }
  return out;
}

it.each(examples())('%s runs', async (_, code) => {
  dir = tempDir();
  const script = join(dir, 'example.mjs');
  writeFileSync(script, code.replace("from 'turnlog'", `from '${pathToFileURL(DIST_ENTRY).href}'`));
  const r = await runNode([script], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});
