// Stubs globalThis.fetch with a table of routes, as the typed client calls it (with a Request),
// and records each request (method, path, query, JSON body) for assertions.
import { vi } from 'vitest';

export interface RecordedRequest {
  method: string;
  path: string;
  search: URLSearchParams;
  headers: Headers;
  /** The parsed JSON body, or the raw text when it is not JSON; undefined without a body. */
  body: unknown;
}

/** Answers one request; `params` holds the `{name}` parts of the route's path. */
export type Responder = (request: RecordedRequest, params: Record<string, string>) => Response | Promise<Response>;

/** A JSON answer. */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** An RFC 9457 problem answer, as the API sends its errors. */
export function problemResponse(
  status: number,
  code: string,
  detail: string,
  extra: { errors?: { field: string; message: string }[]; headers?: Record<string, string> } = {},
): Response {
  return new Response(
    JSON.stringify({
      type: 'about:blank',
      title: 'Error',
      status,
      code,
      detail,
      ...(extra.errors ? { errors: extra.errors } : {}),
    }),
    { status, headers: { 'Content-Type': 'application/problem+json', ...(extra.headers ?? {}) } },
  );
}

function compile(pattern: string): { method: string; regex: RegExp; names: string[] } {
  const [method = 'GET', path = '/'] = pattern.split(' ', 2);
  const names: string[] = [];
  const source = path
    .split('/')
    .map((part) => {
      const m = /^\{(\w+)\}$/.exec(part);
      if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1] ?? '');
      return '([^/]+)';
    })
    .join('/');
  return { method: method.toUpperCase(), regex: new RegExp(`^${source}$`), names };
}

/**
 * Replaces globalThis.fetch for the current test with routes like
 * `{ 'GET /api/v1/meta': () => jsonResponse({...}), 'PATCH /api/v1/azure_blob/connections/{id}': ... }`.
 * Unrouted requests answer 404 `not_stubbed`. Returns the recorded requests and the mock.
 * Restore with `vi.unstubAllGlobals()` (or `vi.restoreAllMocks()`), e.g. in afterEach.
 */
export function stubFetch(routes: Record<string, Responder>) {
  const table = Object.entries(routes).map(([pattern, responder]) => ({ ...compile(pattern), responder }));
  const requests: RecordedRequest[] = [];
  const mock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(String(input), init);
    const url = new URL(request.url, 'http://localhost');
    const text = request.body ? await request.clone().text() : '';
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const recorded: RecordedRequest = {
      method: request.method,
      path: url.pathname,
      search: url.searchParams,
      headers: request.headers,
      body,
    };
    requests.push(recorded);
    for (const route of table) {
      if (route.method !== request.method) continue;
      const match = route.regex.exec(url.pathname);
      if (!match) continue;
      const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
      return route.responder(recorded, params);
    }
    return problemResponse(404, 'not_stubbed', `No stub for ${request.method} ${url.pathname}`);
  });
  vi.stubGlobal('fetch', mock);
  /** The recorded requests to one method + path. */
  const calls = (method: string, path: string) => requests.filter((r) => r.method === method && r.path === path);
  return { requests, calls, mock };
}
