import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeArchive, decodeEvent } from '../src/import/openclaw-sqlite-decode.js';
import type { ZstdModule } from '../src/import/optional-deps.js';
import { planAgentDatabase } from '../src/import/plan-openclaw-sqlite.js';
import type { AgentDatabase, ArchiveRow, EventRow, NodeRow, WindowRow } from '../src/import/plan-openclaw-sqlite.js';
import type { Plan } from '../src/import/types.js';
import { FRAMES, header, msg } from './support/openclaw-sqlite.js';

const fzstd = createRequire(import.meta.url)('fzstd') as ZstdModule;
const zstd = (): ZstdModule => fzstd;
const frame = (name: 'event' | 'archive'): Buffer => Buffer.from(FRAMES[name].frame, 'base64');
const bytes = (text: string): number => Buffer.byteLength(text);

describe('decoding a transcript_events row', () => {
  it('TEXT rows as they are; zstd rows to exactly their recorded UTF-8 length', () => {
    expect(decodeEvent(zstd, { event_json: '{"a":1}' })).toEqual({ ok: true, text: '{"a":1}' });
    expect(decodeEvent(zstd, { event_json: '{"a":1}', event_zstd: null, event_utf8_bytes: 7 })).toEqual({ ok: true, text: '{"a":1}' });
    expect(decodeEvent(zstd, { event_json: null, event_zstd: frame('event'), event_utf8_bytes: bytes(FRAMES.event.text) })).toEqual({ ok: true, text: FRAMES.event.text });
  });

  it('says what is wrong with a row it cannot read', () => {
    const n = bytes(FRAMES.event.text);
    const reason = (row: Parameters<typeof decodeEvent>[1]) => {
      const d = decodeEvent(zstd, row);
      return d.ok ? 'ok' : d.reason;
    };
    expect(reason({ event_json: null, event_zstd: null })).toBe('has neither event_json nor event_zstd');
    expect(reason({ event_json: 'x', event_zstd: frame('event'), event_utf8_bytes: n })).toBe('has both event_json and event_zstd');
    expect(reason({ event_json: null, event_zstd: frame('event'), event_utf8_bytes: null })).toBe('event_utf8_bytes is null, not a length from 1 to 4194304');
    expect(reason({ event_json: null, event_zstd: frame('event'), event_utf8_bytes: n - 1 })).toBe(`event_zstd is longer than its event_utf8_bytes (${n - 1})`);
    expect(reason({ event_json: null, event_zstd: frame('event'), event_utf8_bytes: n + 1 })).toBe(`event_zstd holds ${n} bytes, event_utf8_bytes says ${n + 1}`);
    expect(reason({ event_json: null, event_zstd: Buffer.from('garbage'), event_utf8_bytes: 7 })).toMatch(/^event_zstd is not a valid zstd frame/);
    // a frame cut short (a torn write or a damaged page)
    expect(reason({ event_json: null, event_zstd: frame('event').subarray(0, 40), event_utf8_bytes: n })).toMatch(/^event_zstd (is not a valid zstd frame|holds \d+ bytes)/);
  });
});

describe('decoding a session_transcript_archives row', () => {
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  it('identity and zstd, checked against archive_sha256', () => {
    const plain = Buffer.from('{"type":"session"}\n');
    expect(decodeArchive(zstd, { encoding: 'identity', archive_blob: plain, archive_sha256: sha(plain) })).toEqual({ ok: true, text: '{"type":"session"}\n' });
    expect(decodeArchive(zstd, { encoding: 'zstd', archive_blob: frame('archive'), archive_sha256: sha(frame('archive')) })).toEqual({ ok: true, text: FRAMES.archive.text });
    expect(decodeArchive(zstd, { encoding: 'identity', archive_blob: plain, archive_sha256: '0'.repeat(64) })).toEqual({ ok: false, reason: 'archive_blob does not match its archive_sha256' });
    expect(decodeArchive(zstd, { encoding: 'brotli', archive_blob: plain })).toEqual({ ok: false, reason: 'unknown encoding "brotli"' });
    expect(decodeArchive(zstd, { encoding: 'identity', archive_blob: Buffer.from([0xff, 0xfe]) })).toEqual({ ok: false, reason: 'archive_blob is not UTF-8 text' });
  });
});

/** An agent database as rows in memory. */
function memoryDb(nodes: NodeRow[], windows: WindowRow[], events: Record<string, unknown[]>, archives: ArchiveRow[] = []): AgentDatabase {
  return {
    file: '/db.sqlite',
    agentId: 'main',
    schemaVersion: 23,
    nodes: () => nodes,
    window: (id) => windows.find((w) => w.session_id === id),
    events: (id): EventRow[] => (events[id] ?? []).map((e, seq) => ({ seq, event_json: JSON.stringify(e) })),
    archives: (key) => archives.filter((a) => a.session_key === key),
  };
}
const plan = (db: AgentDatabase): Plan => {
  const p: Plan = { images: [], problems: [], ignored: [], notes: new Map() };
  planAgentDatabase(db, zstd, p, new Map(), 5);
  return p;
};
const node = (key: string, current: string, updatedAt?: number): NodeRow => ({ session_key: key, current_session_id: current, entry_json: JSON.stringify({ sessionId: current, ...(updatedAt === undefined ? {} : { updatedAt }) }) });
const win = (id: string, key: string, prev: string | null, createdAt = 1): WindowRow => ({ session_id: id, session_key: key, previous_session_id: prev, created_at: createdAt });
const convo = (id: string, at: string, ...texts: string[]): unknown[] => [header(id, at), ...texts.map((t, i) => msg(`${id}-${i}`, i === 0 ? null : `${id}-${i - 1}`, i % 2 === 0 ? 'user' : 'assistant', t, at))];

describe('planning sessions from rows', () => {
  it('follows the window chain while it stays on the key: a fork from another key is not ours', () => {
    const db = memoryDb(
      [node('a', 'a2'), node('b', 'b1')],
      [win('a1', 'a', null), win('a2', 'a', 'a1'), win('b1', 'b', 'a2')],
      { a1: convo('a1', '2026-09-01T00:00:00.000Z', 'a-old'), a2: convo('a2', '2026-09-02T00:00:00.000Z', 'a-new'), b1: convo('b1', '2026-09-03T00:00:00.000Z', 'b-own') },
    );
    const images = Object.fromEntries(plan(db).images.map((i) => [i.key, i]));
    expect(images['a']?.messages.map((m) => m.content)).toEqual(['a-old', 'a-new']);
    expect(images['a']?.archived).toBe(1);
    expect(images['b']?.messages.map((m) => m.content)).toEqual(['b-own']);
    expect(images['b']?.archived).toBe(0);
  });

  it('orders earlier generations by their start; an archive of a window that still has rows is not read twice', () => {
    const text = convo('old', '2026-08-01T00:00:00.000Z', 'archived').map((e) => JSON.stringify(e)).join('\n');
    const archive = (id: string, t: string): ArchiveRow => ({ session_id: id, session_key: 'a', encoding: 'identity', archive_blob: Buffer.from(t), created_at: 99 });
    const db = memoryDb(
      [node('a', 'a2')],
      [win('a1', 'a', null), win('a2', 'a', 'a1')],
      { a1: convo('a1', '2026-09-01T00:00:00.000Z', 'middle'), a2: convo('a2', '2026-09-02T00:00:00.000Z', 'current') },
      [archive('old', text), archive('a1', 'not read: a1 has rows')],
    );
    const p = plan(db);
    expect(p.images[0]?.messages.map((m) => m.content)).toEqual(['archived', 'middle', 'current']);
    expect(p.images[0]?.archived).toBe(2);
    expect(p.images[0]?.createdAt).toBe(Date.parse('2026-08-01T00:00:00.000Z'));
    expect(p.notes.get('a')).toBe('2 earlier transcripts archived');
    expect(p.problems).toEqual([]);
  });

  it('a damaged archive is reported and the rest of the session imported', () => {
    const db = memoryDb([node('a', 'a1')], [win('a1', 'a', null)], { a1: convo('a1', '2026-09-01T00:00:00.000Z', 'kept') }, [
      { session_id: 'gone', session_key: 'a', encoding: 'zstd', archive_blob: Buffer.from('not zstd'), archive_name: 'gone.jsonl.reset.x.zst' },
    ]);
    const p = plan(db);
    expect(p.images[0]?.messages.map((m) => m.content)).toEqual(['kept']);
    expect(p.problems).toEqual([{ file: '/db.sqlite', subject: 'session', fatal: false, reason: expect.stringMatching(/^session_transcript_archives "gone\.jsonl\.reset\.x\.zst": archive_blob is not a valid zstd frame .*; that earlier transcript of "a" was left out$/) }]);
  });

  it('times: the entry updatedAt, else the newest in the transcript, else the row, never 0', () => {
    const db = memoryDb([node('a', 'a1', 1_800_000_000_000), node('b', 'b1'), { ...node('c', 'c1'), updated_at: 1_700_000_000_000 }, node('d', 'd1')], [], {
      a1: convo('a1', '2026-09-01T00:00:00.000Z', 'x'),
      b1: convo('b1', '2026-09-01T00:00:00.000Z', 'x'),
    });
    const at = Object.fromEntries(plan(db).images.map((i) => [i.key, i.updatedAt]));
    expect(at).toEqual({ a: 1_800_000_000_000, b: Date.parse('2026-09-01T00:00:00.000Z'), c: 1_700_000_000_000, d: 5 });
  });
});
