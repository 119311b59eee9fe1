import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { SessionLog } from '../engine/session-log.js';
import { TurnlogError } from '../errors.js';
import { clientAsset, clientAssetNames } from './assets.js';
import { LiveHub } from './live.js';
import { FAVICON, PAGE_CSS, pageHtml } from './page.js';
import type { PageConfig } from './protocol.js';
import { handleFork, handleGet } from './routes.js';
import type { ApiContext } from './routes.js';
import { hostAllowed, newToken, pathUnderToken, refuse as refuseWith, sameOriginWrite, SECURITY_HEADERS } from './security.js';

/** Options of `startInspector`. */
export interface InspectorOptions {
  /** TCP port on 127.0.0.1. Default 0: a free port chosen by the system. */
  port?: number;
  /** Allow forking a session from the page (POST). Default false: every request but GET/HEAD is refused (405). */
  allowWrites?: boolean;
  /** How often the live stream looks for changes, in ms, while a page listens. Default 1000. */
  pollMs?: number;
  /** Messages a version view shows at first (newest first); "earlier" adds as many. Default 200. */
  pageSize?: number;
  /** The most messages one view may load. Default 20,000. */
  maxMessages?: number;
  /** The store flags the page prints in its CLI commands (`--path DIR`…). Default none. */
  storeArgs?: string[];
  /** How the page names the command (`turnlog` or `npx turnlog`). Default 'turnlog'. */
  command?: string;
  /** The secret the URL carries. Default: 256 random bits. Tests pass their own. */
  token?: string;
  /**
   * Called with an error of the live poller when it starts failing (the stream goes on, the pages
   * show the store as unreachable); not again for each poll that fails the same way. Default: ignored.
   */
  onError?: (error: unknown) => void;
  /** Called when the live poller reads the store again after `onError`. Default: nothing. */
  onRecovered?: () => void;
}

/** A running inspector. */
export interface Inspector {
  /** The page's address, token included: http://127.0.0.1:PORT/t/TOKEN/ */
  url: string;
  port: number;
  token: string;
  /** Stops serving (open streams are ended); the log is not closed. */
  close(): Promise<void>;
}

/** Largest POST body (a fork request is a few hundred bytes). */
const MAX_BODY = 64 * 1024;

/**
 * Serves the inspector page and its JSON API over `log` (any store: public SessionLog calls only)
 * on 127.0.0.1. See docs/inspect.md for the safety model: the Host check and the token guard
 * every request before anything is read.
 */
export async function startInspector(log: SessionLog, options: InspectorOptions = {}): Promise<Inspector> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TurnlogError('INVALID_ARGUMENT', `port must be a whole number from 0 to 65535, not ${String(port)}`);
  const token = options.token ?? newToken();
  if (token.length < 22 || !/^[A-Za-z0-9_-]+$/.test(token)) throw new TurnlogError('INVALID_ARGUMENT', 'token must be at least 22 URL-safe characters (128 bits)');
  const allowWrites = options.allowWrites === true;
  const config: PageConfig = { allowWrites, storeArgs: options.storeArgs ?? [], command: options.command ?? 'turnlog', pageSize: options.pageSize ?? 200 };
  const live = new LiveHub(log, options.pollMs ?? 1000, options.onError ?? (() => undefined), options.onRecovered);
  const ctx: ApiContext = {
    log,
    config,
    live,
    maxMessages: options.maxMessages ?? 20_000,
    fork: allowWrites ? forkWith(log) : undefined,
  };
  let bound = 0;
  const server = createServer((req, res) => {
    // no request may end the process (an app embedding the inspector, or the CLI): any failure
    // of a handler becomes an answer, or, once the answer has started, a closed connection
    serve(ctx, token, bound, req, res).catch((error: unknown) => failed(req, res, error));
  });
  // Node answers a request it cannot parse itself, with none of our headers: answer it here
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/t/${token}/`,
    port: bound,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        live.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The page's fork: the library's forkSession, at the version shown. */
function forkWith(log: SessionLog): ApiContext['fork'] {
  return async (key, newKey, atVersion) => ({ version: (await log.forkSession(key, newKey, { atVersion })).version });
}

async function serve(ctx: ApiContext, token: string, port: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // a refused request's body is read and dropped, so the connection stays usable for the next one
  const refuse = (status: number, text: string, extra: Record<string, string> = {}): void => {
    req.resume();
    refuseWith(res, status, text, extra);
  };
  // 1. DNS rebinding: a page of another site that resolved its name to 127.0.0.1 sends its own Host
  if (!hostAllowed(req.headers.host, port)) return refuse(421, 'wrong Host: this inspector answers only to its own address');
  // 2. the token: every request, before anything is read
  const path = pathUnderToken(req.url ?? '', token);
  if (path === undefined) return refuse(403, 'missing or wrong token: open the URL the inspector printed');
  // `/t/TOKEN` alone: the page's relative URLs (scripts, API) resolve under /t/, so send it to /t/TOKEN/
  if (path === '') return refuse(308, 'the page is at the address with a trailing slash', { location: `/t/${token}/` });
  const url = parseUrl(path, port);
  if (url === undefined) return refuse(400, 'malformed request path');
  const route = url.pathname;
  if (req.method === 'POST' && ctx.fork !== undefined && route === '/api/fork') {
    if (!sameOriginWrite(req, port)) return refuse(403, 'a write must be a JSON request from the inspector page');
    const body = await readBody(req);
    if (body === ABORTED) return; // the client went away mid-body: nobody to answer
    if (body === undefined) {
      // the 413 first, then the connection is closed: reading on would accept any size
      res.setHeader('connection', 'close');
      refuseWith(res, 413, 'request body too large');
      res.once('finish', () => req.destroy());
      return;
    }
    return handleFork(ctx, body, res);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, ctx.fork === undefined ? 'read-only: start the inspector with --allow-writes to fork from the page' : 'method not allowed', { allow: ctx.fork === undefined ? 'GET, HEAD' : 'GET, HEAD, POST' });
  if (route.startsWith('/api/')) return handleGet(ctx, route.slice(5), url.searchParams, req, res);
  if (route === '/') return sendText(res, pageHtml(await clientAssetNames()), 'text/html; charset=utf-8');
  if (route === '/style.css') return sendText(res, PAGE_CSS, 'text/css; charset=utf-8');
  if (route === '/favicon.svg') return sendText(res, FAVICON, 'image/svg+xml');
  const script = /^\/([a-z-]+\.js)$/.exec(route);
  const asset = script === null ? undefined : await clientAsset(script[1] as string);
  if (asset !== undefined) return sendText(res, asset, 'text/javascript; charset=utf-8');
  refuse(404, 'not found');
}

function sendText(res: ServerResponse, body: string, type: string): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': type });
  res.end(body);
}

/** A path Node's URL parser refuses (`//[/`) is undefined: a 400, not a throw. */
function parseUrl(path: string, port: number): URL | undefined {
  try {
    return new URL(path, `http://127.0.0.1:${port}`);
  } catch {
    return undefined;
  }
}

/** A handler's failure: a 500 with the security headers, or a closed connection once the answer has started. */
function failed(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  try {
    req.resume();
    if (res.headersSent) res.destroy();
    else refuseWith(res, 500, `internal error: ${error instanceof Error ? error.message : String(error)}`);
  } catch {
    res.destroy();
  }
}

/** What Node's parser refused (a malformed request line or header): a 400 with our headers, then close. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // as Node's own handler: nothing more once an answer was written on this connection
  const answering = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || answering?.headersSent === true) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = `${status === 431 ? 'request headers too large' : 'malformed request'}\n`;
  const headers = Object.entries({ ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close' })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n${headers}\r\n${body}`);
}

/** readBody's answer when the client aborted the request before its end. */
const ABORTED = Symbol('aborted');

/** The body as text; undefined when over MAX_BODY (the rest is not read); ABORTED when the client went away. */
function readBody(req: IncomingMessage): Promise<string | undefined | typeof ABORTED> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size <= MAX_BODY) return void chunks.push(c);
      req.off('data', onData);
      req.pause();
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // an aborted upload is an error event on the request: never a rejection nobody handles
    req.on('error', () => resolve(ABORTED));
    req.on('close', () => resolve(req.complete ? Buffer.concat(chunks).toString('utf8') : ABORTED));
  });
}
