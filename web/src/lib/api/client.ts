import createClient, { type Middleware } from 'openapi-fetch';

import { networkProblem, problemFrom, ProblemError } from '@/lib/api/problem';
import type { paths } from '@/lib/api/schema.gen';
import { endSession, getSession } from '@/lib/auth/session';

/** Adds the bearer token, and ends the session when the server says it is no longer valid. */
const authMiddleware: Middleware = {
  onRequest({ request }) {
    const session = getSession();
    if (session) request.headers.set('Authorization', `Bearer ${session.token}`);
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && request.headers.has('Authorization')) endSession('expired');
    return response;
  },
};

/** The one typed client of the Cerulean API, generated from its OpenAPI document. */
export const api = createClient<paths>({ baseUrl: '' });
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
    throw problemFrom(result.response.status, result.error, result.response.statusText);
  }
  return result.data as T;
}

/** Headers for requests made outside the typed client (uploads with progress). */
export function authHeaders(): Record<string, string> {
  const session = getSession();
  return session ? { Authorization: `Bearer ${session.token}` } : {};
}
