import { corrupt } from '../errors.js';

/** A bigint or integer column as a safe integer (pg returns bigint as text); CORRUPT otherwise. */
export function int(row: Record<string, unknown>, col: string): number {
  const v = row[col];
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) return corrupt(`PostgreSQL column ${col} holds ${String(v)}, not an integer`);
  return n;
}

export function optInt(row: Record<string, unknown>, col: string): number | undefined {
  return row[col] === null || row[col] === undefined ? undefined : int(row, col);
}

export function float(row: Record<string, unknown>, col: string): number {
  const v = row[col];
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) return corrupt(`PostgreSQL column ${col} holds ${String(v)}, not a number`);
  return n;
}

export function text(row: Record<string, unknown>, col: string): string {
  const v = row[col];
  if (typeof v !== 'string') return corrupt(`PostgreSQL column ${col} is not text`);
  return v;
}

export function bytes(row: Record<string, unknown>, col: string): Buffer {
  const v = row[col];
  if (!Buffer.isBuffer(v)) return corrupt(`PostgreSQL column ${col} is not bytea`);
  return v;
}

/** The session head as rows of pg-sql.ts return it. */
export interface PgHead {
  sid: number;
  version: number;
  start: number;
  next: number;
  createdAt: number;
  updatedAt: number;
  base: number;
  lastRemoval?: number;
}

export function headOf(row: Record<string, unknown>): PgHead {
  const h: PgHead = {
    sid: int(row, 'sid'),
    version: int(row, 'version'),
    start: int(row, 'start'),
    next: int(row, 'next'),
    createdAt: float(row, 'created_at'),
    updatedAt: float(row, 'updated_at'),
    base: int(row, 'base'),
  };
  const lastRemoval = optInt(row, 'last_removal');
  if (lastRemoval !== undefined) h.lastRemoval = lastRemoval;
  if (h.start > h.next || h.base > h.version) corrupt(`PostgreSQL session #${h.sid} has an inconsistent head`);
  return h;
}

/** Summary and metadata are stored as JSON text (text refuses U+0000; JSON escapes it). */
export function parseJsonColumn(row: Record<string, unknown>, col: string): unknown {
  const raw = text(row, col);
  try {
    return JSON.parse(raw) as unknown;
  } catch (cause) {
    return corrupt(`PostgreSQL column ${col} is not JSON`, cause);
  }
}
