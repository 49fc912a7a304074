// The console's one way to the API: same origin, the admin token as a Bearer header (never in a
// URL), kept in this tab's sessionStorage only, errors as ApiError with the API's code.
import { signal } from '@preact/signals';

const TOKEN_KEY = 'pl.admin';

/** The admin token of this tab, or null when signed out. */
export const token = signal<string | null>(sessionStorage.getItem(TOKEN_KEY));

/** Why the last sign-out happened (a rejected token), shown on the sign-in page. */
export const signOutReason = signal<string | null>(null);

export function signIn(value: string): void {
  sessionStorage.setItem(TOKEN_KEY, value);
  signOutReason.value = null;
  token.value = value;
}

export function signOut(reason: string | null = null): void {
  sessionStorage.removeItem(TOKEN_KEY);
  signOutReason.value = reason;
  token.value = null;
}

/** An answer other than 2xx: `code` and `message` from the API's `{ error: { code, message, details } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

/** `path?query` with empty values left out. */
export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

function authHeaders(extra?: Record<string, string>): Record<string, string> {
  return { ...(token.value ? { authorization: `Bearer ${token.value}` } : {}), ...extra };
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = res.statusText || 'request failed';
  let details: unknown;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
    details = body.error?.details;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  // The token stopped working (rotated, or the server restarted with another): back to sign-in.
  if (res.status === 401 && token.value) signOut(message);
  return new ApiError(res.status, code, message, details);
}

/**
 * Calls the API. `body` is sent as JSON; the answer is parsed as JSON (undefined for 204).
 *
 * @example const apps = await api<{ items: App[] }>('/v1/admin/apps', { query: { limit: 50 } });
 * @example await api('/v1/admin/apps', { method: 'POST', body: { name: 'shop' } });
 */
export async function api<T = unknown>(
  path: string,
  opts: {
    method?: string;
    body?: unknown;
    query?: Query;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<T> {
  const init: RequestInit = {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers: authHeaders(
      opts.body === undefined ? opts.headers : { 'content-type': 'application/json', ...opts.headers },
    ),
  };
  if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
  if (opts.signal) init.signal = opts.signal;
  const res = await fetch(withQuery(path, opts.query), init);
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Uploads a file as the request body (XMLHttpRequest: fetch cannot report upload progress),
 * calling `onProgress(sent, total)` as bytes leave.
 *
 * @example await upload('/v1/admin/templates/3/crowd', file, (s, t) => setPct(s / t));
 */
export function upload<T = unknown>(
  path: string,
  file: Blob,
  onProgress: (sent: number, total: number) => void,
  contentType = 'text/csv',
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    for (const [k, v] of Object.entries(authHeaders({ 'content-type': contentType })))
      xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'the upload did not reach the server'));
    xhr.onload = async () => {
      const res = new Response(xhr.responseText || null, { status: xhr.status });
      if (xhr.status >= 200 && xhr.status < 300)
        resolve((xhr.responseText ? JSON.parse(xhr.responseText) : undefined) as T);
      else reject(await errorOf(res));
    };
    xhr.send(file);
  });
}

/** Headers for a streamed `fetch` the caller reads itself (the live event tail). */
export function streamHeaders(): Record<string, string> {
  return authHeaders({ accept: 'text/event-stream' });
}
