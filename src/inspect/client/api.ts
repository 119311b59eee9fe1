/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The page's requests: relative URLs, so each carries the token in its path (the page is served
 * at /t/TOKEN/).
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** A GET of the API; a list value is sent as the parameter repeated (`key=a&key=b`); `signal` cancels it (a step overtaken by a later one). */
export async function getJson<T>(path: string, params: Record<string, string | number | readonly string[] | undefined> = {}, signal?: AbortSignal): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) for (const item of v as readonly string[]) q.append(k, item);
    else if (v !== undefined) q.set(k, String(v));
  }
  const res = await fetch(`api/${path}${q.size > 0 ? `?${q.toString()}` : ''}`, { headers: { accept: 'application/json' }, ...(signal === undefined ? {} : { signal }) });
  return answer<T>(res);
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return answer<T>(res);
}

async function answer<T>(res: Response): Promise<T> {
  const value = (await res.json().catch(() => ({ error: res.statusText }))) as T & { error?: string };
  if (!res.ok) throw new ApiError(value.error ?? `HTTP ${res.status}`, res.status);
  return value;
}
