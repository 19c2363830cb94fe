import createClient, { type Middleware } from 'openapi-fetch';

import { networkProblem, parseRetryAfter, problemFrom, ProblemError } from '@/lib/api/problem';
import type { paths } from '@/lib/api/schema.gen';
import { endSession, getSession } from '@/lib/auth/session';

// Endpoints that take no bearer token: a stale one sent there would only risk ending the
// session on their own 401 (a wrong password is not an expired session).
const publicPaths = new Set(['/api/v1/auth/token', '/api/v1/auth/register', '/api/v1/meta']);

/** Adds the bearer token, and ends the session when the server says it is no longer valid. */
const authMiddleware: Middleware = {
  onRequest({ request }) {
    const session = getSession();
    if (session && !publicPaths.has(new URL(request.url, 'http://localhost').pathname)) {
      request.headers.set('Authorization', `Bearer ${session.token}`);
    }
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && request.headers.has('Authorization')) endSession('expired');
    return response;
  },
};

// The page's own origin (relative URLs in a browser; jsdom's Request needs an absolute one), and
// fetch looked up at call time, so that tests can stub globalThis.fetch after this module loads.
/** The one typed client of the Cerulean API, generated from its OpenAPI document. */
export const api = createClient<paths>({
  baseUrl: typeof window !== 'undefined' ? window.location.origin : '',
  fetch: (request: Request) => globalThis.fetch(request),
});
api.use(authMiddleware);

type FetchResult<T> = { data?: T; error?: unknown; response: Response };

/**
 * Awaits an openapi-fetch call and returns its data, or throws a ProblemError (also for a
 * network failure), so that TanStack Query sees one kind of error everywhere.
 */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>;
  try {
    result = await call;
  } catch (cause) {
    if (cause instanceof ProblemError) throw cause;
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw networkProblem(cause);
  }
  if (result.error !== undefined || !result.response.ok) {
    const { response } = result;
    throw problemFrom(
      response.status,
      result.error,
      response.statusText,
      parseRetryAfter(response.headers.get('Retry-After')),
    );
  }
  return result.data as T;
}

/** Headers for requests made outside the typed client (uploads with progress). */
export function authHeaders(): Record<string, string> {
  const session = getSession();
  return session ? { Authorization: `Bearer ${session.token}` } : {};
}
