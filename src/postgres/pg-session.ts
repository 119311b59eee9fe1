import { createHash } from 'node:crypto';
import type { PgClientLike, PgPoolLike, PgQueryConfig } from './pg-pool.js';
import { pgError } from './pg-pool.js';
import { TurnlogError } from '../errors.js';
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

  /** Statement name per statement text, when prepared statements are on. */
  private readonly names = new Map<string, string>();

  constructor(
    readonly pool: PgPoolLike,
    readonly schema: string,
    private readonly prepared: boolean,
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

  /**
   * One of turnlog's statements. Prepared (named) by default: planning a read costs more than
   * running it (a 100-message history: about 0.6 ms unnamed, 0.2–0.6 ms prepared, here).
   */
  async query(name: keyof Statements, values: unknown[]): Promise<Array<Record<string, unknown>>> {
    return this.run(this.sql[name], values, name, this.prepared);
  }

  /** Set by the store's close(): an iteration still going on then gets CLOSED, not a pool error. */
  closed = false;

  async run(text: string, values: unknown[], what: string, prepare = false): Promise<Array<Record<string, unknown>>> {
    if (this.closed) throw new TurnlogError('CLOSED', 'the session log is closed');
    try {
      if (!prepare) return (await this.pool.query(text, values)).rows;
      let statement = this.names.get(text);
      if (statement === undefined) this.names.set(text, (statement = `turnlog_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`));
      return (await this.pool.query({ name: statement, text, values })).rows;
    } catch (error) {
      throw pgError(error, what);
    }
  }

  /** The same statements on one checked-out connection (inside a transaction `withTransaction` opened). */
  onClient(client: PgClientLike): PgSession {
    const on = new PgSession({ query: (q: string | PgQueryConfig, v?: unknown[]) => client.query(q, v), connect: () => Promise.reject(new Error('a connection of its own is in use')) }, this.schema, this.prepared);
    on.closed = this.closed;
    return on;
  }

  /** Runs a create or update statement; the session number when it applied, undefined when its head had moved. */
  async apply(kind: 'create' | 'update', values: unknown[]): Promise<number | undefined> {
    const rows = await this.query(kind, values);
    const sid = rows[0]?.['sid'];
    return sid === undefined || sid === null ? undefined : Number(sid);
  }
}
