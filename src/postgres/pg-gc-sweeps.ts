export const SWEPT_TABLES = ['events', 'messages', 'states', 'event_ids'] as const;
export type SweptTable = (typeof SWEPT_TABLES)[number];

/** What a removed row of `table` (alias `a`) counts in `bytesRemoved`: its payload. */
export function rowBytes(table: SweptTable, a: string): string {
  if (table === 'states') return `coalesce(octet_length(${a}.summary), 0) + coalesce(octet_length(${a}.metadata), 0)`;
  if (table === 'event_ids') return '32';
  return `octet_length(${a}.body)`;
}

/**
 * The rows no version from a session's new base on can read, as [table, condition on alias x,
 * values]: events up to the base (the base's own range and recency live in the head); messages
 * below the base's range, removed by it, or replaced at their position by then; summary and
 * metadata rows superseded by then. Shared by compaction (DELETE) and its dry run (count), so
 * the dry run predicts exactly what the real run removes.
 */
export function compactionSweeps(s: string, key: unknown[], base: number, start: number, next: number): Array<[SweptTable, string, unknown[]]> {
  return [
    ['events', `x.skey = $1 AND x.sid = $2 AND x.version <= $3`, [...key, base]],
    [
      'messages',
      `x.skey = $1 AND x.sid = $2 AND (x.pos < $4 OR (x.version <= $3 AND x.pos >= $5) OR (x.version < $3 AND EXISTS (SELECT 1 FROM ${s}.messages n WHERE n.skey = x.skey AND n.sid = x.sid AND n.pos = x.pos AND n.version > x.version AND n.version <= $3)))`,
      [...key, base, start, next],
    ],
    [
      'states',
      `x.skey = $1 AND x.sid = $2 AND x.version < $3
        AND (x.summary IS NULL OR EXISTS (SELECT 1 FROM ${s}.states y WHERE y.skey = x.skey AND y.sid = x.sid AND y.version > x.version AND y.version <= $3 AND y.summary IS NOT NULL))
        AND (x.metadata IS NULL OR EXISTS (SELECT 1 FROM ${s}.states y WHERE y.skey = x.skey AND y.sid = x.sid AND y.version > x.version AND y.version <= $3 AND y.metadata IS NOT NULL))`,
      [...key, base],
    ],
  ];
}
