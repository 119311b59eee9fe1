import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTurnlogError } from '../errors.js';
import type { SessionLog } from '../engine/session-log.js';
import { eventsPage, MAX_SIZE_KEYS, sessionSizes, sessionsPage, versionView } from './api.js';
import type { LiveHub } from './live.js';
import type { PageConfig } from './protocol.js';
import { safeJson, SECURITY_HEADERS } from './security.js';

/** What the API handlers need: the log, the page's settings, the live hub. */
export interface ApiContext {
  log: SessionLog;
  config: PageConfig;
  live: LiveHub;
  /** The largest `limit` a request may ask for (messages of a view). */
  maxMessages: number;
  /** Forks a session (only when writes are allowed). */
  fork: ((key: string, newKey: string, atVersion: number) => Promise<{ version: number }>) | undefined;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' });
  res.end(safeJson(value));
}

/** A whole number query parameter in [min, max]; the fallback when absent; undefined when malformed. */
export function intParam(q: URLSearchParams, name: string, fallback: number, min: number, max: number): number | undefined {
  const raw = q.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d{1,16}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= min && n <= max ? n : undefined;
}

class BadRequest extends Error {}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new BadRequest(what);
  return value;
}

/** GET api/… : one read each. */
export async function handleGet(ctx: ApiContext, route: string, q: URLSearchParams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const key = (): string => need(q.get('key') ?? undefined, 'key is required');
  try {
    switch (route) {
      case 'config':
        return sendJson(res, 200, ctx.config);
      case 'sessions': {
        const limit = need(intParam(q, 'limit', 50, 1, 1000), 'limit must be 1..1000');
        const prefix = q.get('prefix') ?? '';
        const cursor = q.get('cursor') ?? '';
        return sendJson(res, 200, await sessionsPage(ctx.log, { limit, ...(prefix ? { prefix } : {}), ...(cursor ? { cursor } : {}) }));
      }
      case 'sizes': {
        const keys = q.getAll('key');
        if (keys.length === 0 || keys.length > MAX_SIZE_KEYS) throw new BadRequest(`1..${MAX_SIZE_KEYS} key parameters are required`);
        return sendJson(res, 200, await sessionSizes(ctx.log, keys));
      }
      case 'events': {
        const before = intParam(q, 'before', Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER);
        const limit = need(intParam(q, 'limit', 100, 1, 1000), 'limit must be 1..1000');
        const page = await eventsPage(ctx.log, key(), { limit, ...(q.has('before') ? { before: need(before, 'before must be a version') } : {}) });
        return page === undefined ? sendJson(res, 404, { error: 'no such session' }) : sendJson(res, 200, page);
      }
      case 'view': {
        const version = need(intParam(q, 'version', 0, 0, Number.MAX_SAFE_INTEGER), 'version must be a whole number');
        const limit = need(intParam(q, 'limit', ctx.config.pageSize, 0, ctx.maxMessages), `limit must be 0..${ctx.maxMessages}`);
        const view = await versionView(ctx.log, key(), version, limit);
        return view === undefined ? sendJson(res, 404, { error: 'no such session or version' }) : sendJson(res, 200, view);
      }
      case 'version-json': {
        const k = key();
        const version = need(intParam(q, 'version', 0, 0, Number.MAX_SAFE_INTEGER), 'version must be a whole number');
        const info = await ctx.log.getSession(k, { atVersion: version });
        if (info === undefined) return sendJson(res, 404, { error: 'no such session or version' });
        const messages = await ctx.log.getHistory(k, { atVersion: version });
        return sendJson(res, 200, { key: k, version, summary: info.summary, metadata: info.metadata, messages });
      }
      case 'live': {
        res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
        if (req.method === 'HEAD') return void res.end(); // no stream to hold open
        const watched = q.get('key') ?? undefined;
        ctx.live.add(res, watched, intParam(q, 'version', 0, 0, Number.MAX_SAFE_INTEGER) ?? 0);
        req.socket.setTimeout(0);
        return;
      }
      default:
        return sendJson(res, 404, { error: 'no such endpoint' });
    }
  } catch (error) {
    answerError(res, error);
  }
}

/** POST api/fork {key, newKey, atVersion}: only when the inspector was started with writes allowed. */
export async function handleFork(ctx: ApiContext, body: string, res: ServerResponse): Promise<void> {
  try {
    const fork = need(ctx.fork, 'writes are not allowed');
    let input: unknown;
    try {
      input = JSON.parse(body);
    } catch {
      throw new BadRequest('the body is not JSON');
    }
    const { key, newKey, atVersion } = (input ?? {}) as Record<string, unknown>;
    if (typeof key !== 'string' || typeof newKey !== 'string' || typeof atVersion !== 'number') throw new BadRequest('expected {key, newKey, atVersion}');
    const result = await fork(key, newKey, atVersion);
    sendJson(res, 200, { key: newKey, version: result.version });
  } catch (error) {
    answerError(res, error);
  }
}

function answerError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  if (error instanceof BadRequest) return sendJson(res, 400, { error: error.message });
  if (isTurnlogError(error)) {
    const status = error.code === 'INVALID_ARGUMENT' ? 400 : error.code === 'CONFLICT' ? 409 : error.code === 'PRUNED' ? 410 : error.code === 'NOT_FOUND' ? 404 : 500;
    return sendJson(res, status, { error: error.message, code: error.code, ...(error.oldestReadable === undefined ? {} : { oldestReadable: error.oldestReadable }) });
  }
  sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
}
