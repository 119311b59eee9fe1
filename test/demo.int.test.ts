import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openSessionLog } from '../src/open.js';
import type { Message } from '../src/types.js';
import { tempDir } from './support/harness.js';
import { ROOT, runNode } from './support/processes.js';

/** `npm run demo` (built by `npm run build:dev`, which `npm test` runs). */
const DEMO = join(ROOT, 'dist-dev', 'src', 'demo', 'main.js');

it('the demo runs the gateway workload, loses nothing, leaves its store where it says, and every answer matches its tool result', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'demo-store');
    const r = await runNode([DEMO], { env: { ...process.env, TURNLOG_PATH: path } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/lost messages\s+0\s+orphan tool results 0/);
    expect(r.stdout).toContain(`The store stays at ${path}`);
    const log = openSessionLog({ path, create: false });
    try {
      expect((await log.stats()).sessions).toBe(8);
      let answers = 0;
      for (const { key } of (await log.listSessions({ limit: 100 })).sessions) {
        const history: Message[] = await log.getHistory(key);
        history.forEach((m, i) => {
          const next = history[i + 1];
          if (m.role !== 'tool' || next?.role !== 'assistant') return;
          const result = JSON.parse(String(m.content)) as { city: string; tempC: number; sky: 'clear' | 'rain' };
          const answer = String(next.content);
          expect(answer).toContain(result.city);
          expect(answer).toMatch(new RegExp(`(^|\\D)${result.tempC} °C`));
          expect(answer).toMatch(result.sky === 'clear' ? /sunny|clear/ : /rain/);
          expect(answer).not.toMatch(result.sky === 'clear' ? /rain/ : /sunny|clear/);
          answers++;
        });
      }
      expect(answers).toBeGreaterThan(8);
    } finally {
      await log.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
