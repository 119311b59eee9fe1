import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { classifyPicoclawFile, parseJsonlFile, parseLegacyFile } from './picoclaw.js';
import { exists, readSourceFile } from './source-files.js';
import type { SourceScope } from './source-files.js';
import type { ImportProblem, Plan, SessionImage } from './types.js';

/** Reads picoclaw sessions folders: every file is read through the scope's checks, never thrown on. */
export function planPicoclaw(scope: SourceScope, folders: string[], problems: ImportProblem[]): Plan {
  const plan: Plan = { images: [], problems, ignored: [], notes: new Map() };
  const byKey = new Map<string, SessionImage>();
  for (const folder of folders) {
    const names = readdirSync(folder).sort();
    const nameSet = new Set(names);
    const legacy: SessionImage[] = [];
    const jsonl: SessionImage[] = [];
    for (const name of names) {
      const file = join(folder, name);
      const kind = classifyPicoclawFile(name);
      // Temp files and backups are never read, so what they are does not matter.
      if (kind === 'ignored') {
        plan.ignored.push(file);
        continue;
      }
      if (kind === 'meta') {
        if (!nameSet.has(name.replace(/\.meta\.json$/, '.jsonl'))) plan.problems.push({ file, subject: 'file', reason: 'meta file without its .jsonl transcript; not imported', fatal: true });
        continue;
      }
      const read = readSourceFile(scope, file);
      if (!read.ok) {
        plan.problems.push({ file, subject: 'file', reason: read.reason, fatal: true });
        continue;
      }
      let parsed;
      if (kind === 'jsonl') {
        const metaFile = join(folder, name.replace(/\.jsonl$/, '.meta.json'));
        const meta = exists(metaFile) ? readSourceFile(scope, metaFile) : undefined;
        if (meta !== undefined && !meta.ok) {
          plan.problems.push({ file: metaFile, subject: 'file', reason: `${meta.reason}; its session was not imported`, fatal: true });
          continue;
        }
        parsed = parseJsonlFile(file, read.text, metaFile, meta?.text, read.mtimeMs);
      } else {
        parsed = parseLegacyFile(file, read.text, read.mtimeMs);
      }
      plan.problems.push(...parsed.problems);
      if (parsed.image === undefined) continue;
      if (parsed.dropped > 0) plan.notes.set(parsed.image.key, `${parsed.dropped} transient thought${parsed.dropped === 1 ? '' : 's'} left out`);
      (kind === 'jsonl' ? jsonl : legacy).push(parsed.image);
    }
    // JSONL is the newer format: where one folder has both for a key, the legacy file is superseded.
    const inFolder = new Map<string, SessionImage>();
    for (const image of jsonl) inFolder.set(image.key, image);
    for (const image of legacy) {
      if (inFolder.has(image.key)) plan.ignored.push(...image.files);
      else inFolder.set(image.key, image);
    }
    for (const image of inFolder.values()) {
      const other = byKey.get(image.key);
      if (other === undefined) byKey.set(image.key, image);
      else plan.problems.push({ file: image.files[0] as string, subject: 'session', reason: `session ${JSON.stringify(image.key)} is also in ${other.files[0]}; this copy was not imported`, fatal: true });
    }
  }
  plan.images = [...byKey.values()];
  return plan;
}
