import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importPicoclaw } from '../src/import/index.js';
import { openSessionLog } from '../src/open.js';

/** A picoclaw sessions folder of `sessions` JSONL sessions × `messages` messages, imported into a new store (flushed). */
export async function measureImport(sessions: number, messages: number): Promise<{ sessions: number; messages: number; ms: number; again: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'turnlog-bench-import-'));
  try {
    const src = join(dir, 'sessions');
    mkdirSync(src);
    for (let s = 0; s < sessions; s++) {
      const lines: string[] = [];
      for (let m = 0; m < messages; m++) lines.push(JSON.stringify({ role: m % 2 ? 'assistant' : 'user', content: `message ${m} of session ${s} `.padEnd(300, '.') }));
      writeFileSync(join(src, `telegram_${s}.jsonl`), `${lines.join('\n')}\n`);
      writeFileSync(join(src, `telegram_${s}.meta.json`), JSON.stringify({ key: `telegram:${s}`, summary: 'earlier talk', skip: 4, count: messages, created_at: '2026-05-01T10:00:00Z', updated_at: '2026-05-02T10:00:00Z' }));
    }
    const log = openSessionLog({ path: join(dir, 'store') });
    const t0 = performance.now();
    const r = await importPicoclaw(log, src);
    const ms = performance.now() - t0;
    const t1 = performance.now();
    await importPicoclaw(log, src);
    const again = performance.now() - t1;
    await log.close();
    if (r.sessions.filter((x) => x.status === 'imported').length !== sessions) throw new Error('import benchmark: not every session was imported');
    return { sessions, messages, ms, again };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
