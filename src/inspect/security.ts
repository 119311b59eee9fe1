import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The inspector's request guard. Conversations are private: another local user, or a web page
 * the user visits, must not read them through the inspector's port. Every request must
 *  1. name the bound address in its Host header (`127.0.0.1:PORT`), so a DNS-rebinding page
 *     (evil.example resolving to 127.0.0.1) is refused with 421 before anything is read;
 *  2. carry the secret token as the first path segment (`/t/TOKEN/…`), compared in constant time.
 * The token lives in the path, not in a cookie: cookies are not scoped by port, so a cookie set
 * for 127.0.0.1 would also be sent to any other local server the browser visits. In the path,
 * every relative URL the page loads (scripts, API calls, the event stream) carries it, and
 * Referrer-Policy no-referrer keeps it out of Referer headers.
 */

/** 32 random bytes (256 bits), base64url: 43 characters. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time equality: both sides are hashed first, so neither the length nor a prefix leaks. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The Host header a request must carry: the bound address and port, nothing else. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host !== undefined && host.toLowerCase() === `127.0.0.1:${port}`;
}

/**
 * The path under the token, or undefined when the token is missing or wrong. The path is
 * `/t/TOKEN/REST`; REST keeps its query string. `/t/TOKEN` (no slash) gives '' (redirected).
 */
export function pathUnderToken(url: string, token: string): string | undefined {
  const m = /^\/t\/([^/?#]*)(\/.*)?$/.exec(url);
  if (m === null || !sameSecret(decodeURIComponentSafe(m[1] ?? ''), token)) return undefined;
  // '' is `/t/TOKEN` without its slash: the server redirects it to the page
  return m[2] ?? '';
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}

/**
 * Headers sent with every response. The page loads only its own files (no inline script or
 * style, no frames, no plugins, no forms), cannot be framed, and never sends a Referer (the
 * token is in the URL). No Access-Control-* header is ever sent: other origins cannot read
 * any response.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
});

/** A plain-text refusal with the security headers. */
export function refuse(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...extra });
  res.end(`${text}\n`);
}

/**
 * A write (POST) must come from the inspector's own page: JSON content (a cross-site form cannot
 * send it without a preflight, which is never answered), and an Origin, when sent, that is the
 * inspector's. The token is already required; this is a second lock.
 */
export function sameOriginWrite(req: IncomingMessage, port: number): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const origin = req.headers.origin;
  return type === 'application/json' && (origin === undefined || origin === `http://127.0.0.1:${port}`);
}

/**
 * JSON that is safe to serve whatever it holds: `<`, `>`, `&` and the line separators U+2028 and
 * U+2029 are written as \u escapes, so no byte sequence of a response can be read as markup,
 * even by a client that ignores its content type.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
