/**
 * The atomic file replace the file-based peers use: write a temporary file, fsync it, rename it
 * over the old one (without the fsync a power loss can leave an empty file behind the rename).
 * It is the same helper turnlog's picoclaw export uses.
 */
export { writeAtomic as writeFileAtomic } from '../../src/import/export-picoclaw.js';

/** A session key as a file name, the way picoclaw sanitises keys (`telegram:123` → `telegram_123`). */
export function fileName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]/g, '_');
}
