import { sizeStatement } from './pg-size.js';

/**
 * Every statement turnlog sends, for one schema (validated and quoted once). All values are
 * parameters. Numbers come back as text for bigint columns and are checked on the way in
 * (pg-rows.ts).
 */
export function statements(schema: string) {
  const s = `"${schema}"`;
  /**
   * The range and recency right after version `v` of session `s`: its event row, or for the GC
   * base (whose event row is collected) the copy kept in the head.
   */
  const at = (v: string): string => `(
        SELECT e.version, e.start, e.next, e.updated_at FROM ${s}.events e WHERE e.skey = s.skey AND e.sid = s.sid AND e.version = ${v}
        UNION ALL SELECT s.base, s.base_start, s.base_next, s.base_updated_at WHERE ${v} = s.base AND s.base > 0
        LIMIT 1)`;
  const head = 's.sid, s.version, s.start, s.next, s.created_at, s.updated_at, s.base, s.last_removal';
  /**
   * The visible messages at version $2 (null: current), newest `last` only (null: all): the
   * stored JSON texts joined into one JSON array, parsed once, with their positions. The rows
   * come from a backward index scan (no sort: an ordered aggregate of a long history sorted
   * megabytes); the positions say the order they were joined in, so the reader never assumes it.
   */
  const visible = (last: string, range?: { from: string; to: string }): string => `LEFT JOIN LATERAL (
        SELECT count(*) AS n, '[' || string_agg(d.body, ',') || ']' AS json, string_agg(d.pos::text, ',') AS positions FROM (
          SELECT DISTINCT ON (m.pos) m.pos, m.body FROM ${s}.messages m
          WHERE m.skey = s.skey AND m.sid = s.sid AND m.version <= coalesce($2::bigint, s.version)
            AND m.pos < coalesce(r.next, s.next)
            AND m.pos >= greatest(coalesce(r.start, s.start), coalesce(r.next, s.next) - coalesce(${last}, 9007199254740991))${range === undefined ? '' : ` AND m.pos >= ${range.from} AND m.pos < ${range.to}`}
          ORDER BY m.pos DESC, m.version DESC
        ) d
      ) w ON coalesce($2::bigint, s.version) BETWEEN s.base AND s.version AND ($2::bigint IS NULL OR r.version IS NOT NULL)`;
  /** The summary and metadata in force at version $2 (their newest rows at or before it). */
  const inForce = `(SELECT x.summary FROM ${s}.states x WHERE x.skey = s.skey AND x.sid = s.sid AND x.version <= $2::bigint AND x.summary IS NOT NULL ORDER BY x.version DESC LIMIT 1) AS r_summary,
        (SELECT x.metadata FROM ${s}.states x WHERE x.skey = s.skey AND x.sid = s.sid AND x.version <= $2::bigint AND x.metadata IS NOT NULL ORDER BY x.version DESC LIMIT 1) AS r_metadata`;
  return {
    /**
     * A session's head with what a write needs: the entry of its eventId ($2), its metadata
     * ($3), the range at version $4 and the lowest removal after it (a `through` cut), and the
     * messages of the current version within $6 of where a cut lands (the `through` boundary, or
     * $5 back from the newest) and the newest $6: the turns a cut looks at.
     */
    prepare: `SELECT ${head},
        CASE WHEN $3::boolean THEN s.metadata END AS metadata,
        i.version AS seen_version, i.fingerprint AS seen_fingerprint, (i.version IS NOT NULL) AS seen,
        t.next AS through_next, tr.rewind AS through_rewind,
        w.pos, w.body
      FROM ${s}.sessions s
      LEFT JOIN ${s}.event_ids i ON i.skey = s.skey AND i.sid = s.sid AND i.digest = $2::bytea
      LEFT JOIN LATERAL ${at('$4::bigint')} t ON true
      LEFT JOIN LATERAL (
        SELECT CASE WHEN $4::bigint IS NOT NULL AND coalesce(s.last_removal, 0) > $4::bigint THEN
          (SELECT min(r.rewind_from) FROM ${s}.events r WHERE r.skey = s.skey AND r.sid = s.sid AND r.version > $4::bigint) END AS rewind
      ) tr ON true
      LEFT JOIN LATERAL (
        SELECT CASE WHEN $4::bigint IS NOT NULL THEN least(s.next, coalesce(t.next, s.next), coalesce(tr.rewind, s.next)) ELSE s.next - $5::bigint END AS center
      ) c ON true
      LEFT JOIN LATERAL (
        SELECT DISTINCT ON (m.pos) m.pos, m.body FROM ${s}.messages m
        WHERE m.skey = s.skey AND m.sid = s.sid AND m.pos < s.next AND m.pos >= s.start
          AND ((m.pos >= c.center - $6::bigint AND m.pos < c.center + $6::bigint) OR m.pos >= s.next - $6::bigint)
        ORDER BY m.pos DESC, m.version DESC
      ) w ON c.center IS NOT NULL
      WHERE s.skey = $1`,
    /** Creates the session with its first events; nothing when the key exists (a racing creator won). */
    create: `WITH p AS (SELECT $3::bigint, $4::bigint, $27::bytea), h AS (
        INSERT INTO ${s}.sessions (skey, sid, key, version, start, next, created_at, updated_at, last_removal, summary, metadata, gc_at)
        VALUES ($1, nextval('${s}.session_numbers'), $2, $5, $6, $7, $8, $9, $10, coalesce($11, '""'), coalesce($12, '{}'), $13)
        ON CONFLICT (skey) DO NOTHING RETURNING sid
      )${rows(s)}`,
    /** Compare-and-set on the head (sid $3 at version $4, eventId digest $27 not yet used), then the rows. */
    update: `WITH p AS (SELECT $2::bytea, $8::float8), h AS (
        UPDATE ${s}.sessions SET version = $5, start = $6, next = $7, updated_at = $9, last_removal = $10,
          summary = coalesce($11, summary), metadata = coalesce($12, metadata), gc_at = coalesce(gc_at, $13)
        WHERE skey = $1 AND sid = $3 AND version = $4
          AND ($27::bytea IS NULL OR NOT EXISTS (SELECT 1 FROM ${s}.event_ids x WHERE x.skey = $1 AND x.sid = $3 AND x.digest = $27::bytea))
        RETURNING sid
      )${rows(s)}`,
    /**
     * Head plus the visible messages at version $2 (null: current), newest $3 only when given: the
     * stored JSON texts joined into one JSON array, parsed once, with their positions. The rows
     * come from a backward index scan (no sort: an ordered aggregate of a long history sorted
     * megabytes); the positions say the order they were joined in, so the reader never assumes it.
     */
    /** Head plus the visible messages at version $2 (null: current), newest $3 only when given (see `visible`). */
    history: `SELECT ${head}, r.start AS r_start, r.next AS r_next, (r.version IS NOT NULL) AS r_found, w.n, w.json, w.positions
      FROM ${s}.sessions s
      LEFT JOIN LATERAL ${at('$2::bigint')} r ON true
      ${visible('$3::bigint')}
      WHERE s.skey = $1`,
    /** `history` at version $2 (not null), only the positions in [$3, $4): a long history read in parts (verify). */
    historyRange: `SELECT ${head}, r.start AS r_start, r.next AS r_next, (r.version IS NOT NULL) AS r_found, w.n, w.json, w.positions
      FROM ${s}.sessions s
      LEFT JOIN LATERAL ${at('$2::bigint')} r ON true
      ${visible('NULL::bigint', { from: '$3::bigint', to: '$4::bigint' })}
      WHERE s.skey = $1`,
    /** Head, the range and recency at version $2, and the summary and metadata in force then. */
    state: `SELECT ${head}, s.summary, s.metadata, r.start AS r_start, r.next AS r_next, r.updated_at AS r_updated_at, (r.version IS NOT NULL) AS r_found, ${inForce}
      FROM ${s}.sessions s
      LEFT JOIN LATERAL ${at('$2::bigint')} r ON $2::bigint < s.version
      WHERE s.skey = $1`,
    /**
     * `state` and `history` at version $2 (null: current) in one statement, so one snapshot:
     * the current version it resolves is the one it reads, whatever a write or GC does meanwhile
     * (two statements could see the version collected in between). What a fork copies and a
     * diff compares.
     */
    view: `SELECT ${head}, s.summary, s.metadata, r.start AS r_start, r.next AS r_next, r.updated_at AS r_updated_at, (r.version IS NOT NULL) AS r_found, ${inForce},
        w.n, w.json, w.positions
      FROM ${s}.sessions s
      LEFT JOIN LATERAL ${at('$2::bigint')} r ON true
      ${visible('NULL::bigint')}
      WHERE s.skey = $1`,
    /** A listSessions page: up to $3 sessions below the cursor ($1, $2); full rows only where the prefix $4 matches. */
    list: `SELECT s.sid, s.updated_at, p.match, CASE WHEN p.match THEN s.key END AS key, s.version, s.start, s.next, s.created_at,
        CASE WHEN p.match THEN s.summary END AS summary, CASE WHEN p.match THEN s.metadata END AS metadata
      FROM ${s}.sessions s CROSS JOIN LATERAL (SELECT substring(s.key FROM 1 FOR octet_length($4::bytea)) = $4::bytea AS match) p
      WHERE (s.updated_at, s.sid) < ($1::float8, $2::bigint)
      ORDER BY s.updated_at DESC, s.sid DESC LIMIT $3`,
    /** A page of events $2..$3 with the messages each placed, and the head to check the session against. */
    events: `SELECT s.sid, s.base, s.version AS head_version, e.version, e.body, e.start, e.next, e.updated_at, e.placed_digest,
        ARRAY(SELECT m.body FROM ${s}.messages m WHERE m.skey = e.skey AND m.sid = e.sid AND m.version = e.version
              AND m.pos >= e.placed_from AND m.pos < e.placed_from + e.placed_count ORDER BY m.pos) AS messages
      FROM ${s}.sessions s
      LEFT JOIN ${s}.events e ON e.skey = s.skey AND e.sid = s.sid AND e.version BETWEEN $2 AND $3
      WHERE s.skey = $1 ORDER BY e.version`,
    /** Every summary/metadata row of a session after version $3 (verify). */
    states: `SELECT x.version, x.summary, x.metadata FROM ${s}.states x WHERE x.skey = $1 AND x.sid = $2 AND x.version > $3 ORDER BY x.version`,
    eventIds: `SELECT i.digest, i.version, i.fingerprint FROM ${s}.sessions s JOIN ${s}.event_ids i ON i.skey = s.skey AND i.sid = s.sid WHERE s.skey = $1`,
    /** Unlinks the session and queues its rows for purging, in one statement. */
    delete: `WITH d AS (DELETE FROM ${s}.sessions WHERE skey = $1 RETURNING skey, sid)
      INSERT INTO ${s}.purges (skey, sid, queued_at) SELECT skey, sid, $2 FROM d RETURNING sid`,
    /** What the session's rows occupy (pg-size.ts). */
    size: sizeStatement(s),
    headVersion: `SELECT ${head} FROM ${s}.sessions s WHERE s.skey = $1`,
    /** The lowest position a removal of the newest messages gave away in versions ($2, $3] (a diff), with the head to check it against. */
    rewinds: `SELECT ${head}, (SELECT min(e.rewind_from) FROM ${s}.events e WHERE e.skey = s.skey AND e.sid = s.sid AND e.version > $2 AND e.version <= $3) AS rewound_from
      FROM ${s}.sessions s WHERE s.skey = $1`,
  };
}

/** The rows of a write, inserted only when the head CTE `h` returned the session. */
function rows(s: string): string {
  return `,
      e AS (INSERT INTO ${s}.events (skey, sid, version, at, body, start, next, updated_at, rewind_from, placed_from, placed_count, placed_digest)
        SELECT $1, h.sid, x.* FROM h, unnest($14::bigint[], $15::float8[], $16::bytea[], $17::bigint[], $18::bigint[], $19::float8[], $20::bigint[], $28::bigint[], $29::integer[], $31::bytea[]) AS x),
      m AS (INSERT INTO ${s}.messages (skey, sid, pos, version, body)
        SELECT $1, h.sid, x.* FROM h, unnest($21::bigint[], $22::bigint[], $23::text[]) AS x),
      i AS (INSERT INTO ${s}.event_ids (skey, sid, digest, version, fingerprint)
        SELECT $1, h.sid, x.* FROM h, unnest($24::bytea[], $25::bigint[], $26::text[]) AS x ON CONFLICT DO NOTHING),
      st AS (INSERT INTO ${s}.states (skey, sid, version, summary, metadata)
        SELECT $1, h.sid, $30::bigint, $11, $12 FROM h WHERE $30::bigint IS NOT NULL)
      SELECT sid FROM h`;
}

export type Statements = ReturnType<typeof statements>;
