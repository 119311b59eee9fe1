import { resolve } from 'node:path';
import type { FlagValue } from './args.js';
import { UsageError } from './exit-codes.js';

/** Which store a command works on: an LMDB directory, or a schema of a PostgreSQL database. */
export type StoreTarget = { kind: 'lmdb'; path: string } | { kind: 'postgres'; url: string; schema: string };

const PG_URL = /^postgres(ql)?:\/\//;

/**
 * The store the flags and environment name. `--path` and `--url` together are a usage error; a
 * flag beats either variable (`--path` over $TURNLOG_URL, `--url` over $TURNLOG_PATH); with no
 * flag, both variables set is ambiguous and refused rather than guessed. `--schema` (or
 * $TURNLOG_SCHEMA, default `turnlog`) names the PostgreSQL schema; given with an LMDB store it is
 * a mistake, so it is refused. No message quotes a URL: it may hold a password.
 */
export function resolveStore(flags: Record<string, FlagValue>, env: NodeJS.ProcessEnv): StoreTarget {
  const path = typeof flags['path'] === 'string' ? flags['path'] : undefined;
  const url = typeof flags['url'] === 'string' ? flags['url'] : undefined;
  const schemaFlag = typeof flags['schema'] === 'string' ? flags['schema'] : undefined;
  if (path !== undefined && url !== undefined) throw new UsageError('--path (an LMDB store) and --url (a PostgreSQL store) cannot be given together');
  const envUrl = nonEmpty(env['TURNLOG_URL']);
  const envPath = nonEmpty(env['TURNLOG_PATH']);
  if (path === undefined && url === undefined && envUrl !== undefined && envPath !== undefined) {
    throw new UsageError('both $TURNLOG_PATH and $TURNLOG_URL are set: give --path or --url to choose the store');
  }
  const chosenUrl = path !== undefined ? undefined : (url ?? (envPath === undefined ? envUrl : undefined));
  if (chosenUrl === undefined) {
    if (schemaFlag !== undefined) throw new UsageError('--schema applies only to a PostgreSQL store (--url or $TURNLOG_URL)');
    return { kind: 'lmdb', path: resolve(path ?? envPath ?? '.turnlog') };
  }
  if (!PG_URL.test(chosenUrl)) throw new UsageError(`${url !== undefined ? '--url' : '$TURNLOG_URL'} must be a postgres:// or postgresql:// URL`);
  return { kind: 'postgres', url: chosenUrl, schema: schemaFlag ?? nonEmpty(env['TURNLOG_SCHEMA']) ?? 'turnlog' };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Query parameters that carry secrets in a libpq-style URL. */
const SECRET_PARAMS = /([?&](?:password|sslpassword)=)[^&#]*/gi;

/**
 * The URL with its password (in the user part or in a `password=` parameter) replaced by `***`:
 * `postgres://user:***@host/db`. The user part runs to the last `@`, so a password holding an
 * unescaped `@`, `/` or `#` is masked whole rather than half shown.
 */
export function maskUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (scheme === null) return url.replace(SECRET_PARAMS, '$1***');
  const rest = url.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  let masked = rest;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    masked = `${colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:***`}${rest.slice(at)}`;
  }
  return `${scheme[0]}${masked.replace(SECRET_PARAMS, '$1***')}`;
}

/** Any postgres:// URL in a text (an error message, a stack trace) with its credentials masked. */
export function maskCredentials(text: string): string {
  return text.replace(/postgres(?:ql)?:\/\/\S*/gi, (url) => maskUrl(url));
}

/** How messages name the store: its path, or the masked URL and the schema. */
export function describeStore(target: StoreTarget): string {
  return target.kind === 'lmdb' ? target.path : `${maskUrl(target.url)} (schema ${target.schema})`;
}

/** The flags that name the store as the user gave them, for a printed command to repeat (URL masked). */
export function storeFlagsGiven(flags: Record<string, FlagValue>): string[] {
  const out: string[] = [];
  if (typeof flags['path'] === 'string') out.push('--path', flags['path']);
  if (typeof flags['url'] === 'string') out.push('--url', maskUrl(flags['url']));
  if (typeof flags['schema'] === 'string') out.push('--schema', flags['schema']);
  return out;
}
