import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The import fixtures the repository carries: a picoclaw home and an openclaw state directory
 * (test/fixtures/picoclaw, test/fixtures/openclaw; their README.md says what each file is for).
 */
export const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
export const PICOCLAW_HOME = join(FIXTURES, 'picoclaw');
export const PICOCLAW_SESSIONS = join(FIXTURES, 'picoclaw/workspace/sessions');
export const OPENCLAW_STATE = join(FIXTURES, 'openclaw');
export const OPENCLAW_SESSIONS = join(FIXTURES, 'openclaw/agents/main/sessions');

export function writeFiles(root: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}
