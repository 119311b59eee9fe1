import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

/**
 * The atomic file replace the file-based peers use: write a temporary file, fsync it, rename it
 * over the old one. (Without the fsync a power loss can leave an empty file behind the rename.)
 */
export function writeFileAtomic(file: string, data: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** A session key as a file name, the way picoclaw sanitises keys (`telegram:123` → `telegram_123`). */
export function fileName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]/g, '_');
}
