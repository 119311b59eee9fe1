import { createHash } from 'node:crypto';
import type { PgPoolLike } from './pg-pool.js';
import { pgError } from './pg-pool.js';
import type { PgHead } from './pg-rows.js';
import { statements } from './pg-sql.js';
import type { Statements } from './pg-sql.js';

/** Heads remembered per handle; past this many, the map starts over (a miss costs one read). */
const REMEMBERED_HEADS = 10_000;

/**
 * A handle's connection to one schema: the pool, the statements, the heads it remembers, and
 * one place where every round trip goes (counted, and driver errors turned into IO_ERROR).
 */
export class PgSession {
  readonly sql: Statements;
  /** Last head this handle read or wrote per key (`head: undefined`: no such session). Only a hint: every write compares and sets. */
  readonly heads = new Map<string, { head: PgHead | undefined }>();
  /** Round trips so far (tests count them). */
  roundTrips = 0;

  constructor(
    readonly pool: PgPoolLike,
    readonly schema: string,
  ) {
    this.sql = statements(schema);
  }

  /** The SHA-256 of the key: fixed-size index entries (B-tree entries are capped near 2.7 KB), and the distribution column. */
  skey(key: string): Buffer {
    return createHash('sha256').update(key, 'utf8').digest();
  }

  /** Keys are stored as UTF-8 bytes: `text` refuses U+0000, which a key may hold. */
  keyBytes(key: string): Buffer {
    return Buffer.from(key, 'utf8');
  }

  remember(key: string, head: PgHead | undefined): void {
    if (this.heads.size >= REMEMBERED_HEADS) this.heads.clear();
    this.heads.set(key, { head });
  }

  async query(name: keyof Statements, values: unknown[]): Promise<Array<Record<string, unknown>>> {
    return this.run(this.sql[name], values, name);
  }

  async run(text: string, values: unknown[], what: string): Promise<Array<Record<string, unknown>>> {
    this.roundTrips++;
    try {
      return (await this.pool.query(text, values)).rows;
    } catch (error) {
      throw pgError(error, what);
    }
  }

  /** Runs a create or update statement; the session number when it applied, undefined when its head had moved. */
  async apply(kind: 'create' | 'update', values: unknown[]): Promise<number | undefined> {
    const rows = await this.query(kind, values);
    const sid = rows[0]?.['sid'];
    return sid === undefined || sid === null ? undefined : Number(sid);
  }
}
