import { afterEach, describe, expect, it, vi } from 'vitest';

import { api, unwrap } from '@/lib/api/client';
import { ProblemError } from '@/lib/api/problem';
import { endSession, getSession, lastSignOutReason, onSessionChange, startSession } from '@/lib/auth/session';
import { jsonResponse, problemResponse, stubFetch } from '@/testing/stub-fetch';

afterEach(() => {
  vi.unstubAllGlobals();
  endSession('signed_out');
});

describe('unwrap', () => {
  it('returns the data of a successful call', async () => {
    stubFetch({
      'GET /api/v1/meta': () => jsonResponse({ version: '0.1.0', signup_open: true, local_emulator: null }),
    });
    await expect(unwrap(api.GET('/api/v1/meta'))).resolves.toEqual({
      version: '0.1.0',
      signup_open: true,
      local_emulator: null,
    });
  });

  it('throws a ProblemError carrying the server detail, code, status and field errors', async () => {
    stubFetch({
      'POST /api/v1/azure_blob/connections': () =>
        problemResponse(422, 'validation_error', 'account_name must be 3 to 24 lowercase letters and digits', {
          errors: [{ field: 'account_name', message: 'must be 3 to 24 lowercase letters and digits' }],
        }),
    });
    const call = unwrap(
      api.POST('/api/v1/azure_blob/connections', {
        body: { name: 'x', auth_type: 'anonymous', credentials: {}, is_active: true, account_name: 'Bad' },
      }),
    );
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemError);
    const problem = error as ProblemError;
    expect(problem.message).toBe('account_name must be 3 to 24 lowercase letters and digits');
    expect(problem.status).toBe(422);
    expect(problem.code).toBe('validation_error');
    expect(problem.fieldError('account_name')).toBe('must be 3 to 24 lowercase letters and digits');
    expect(problem.fieldError('name')).toBeUndefined();
    expect(problem.retryable).toBe(false);
  });

  it('turns a body that is not a problem into one, with the status', async () => {
    stubFetch({
      'GET /api/v1/meta': () => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    });
    const error = (await unwrap(api.GET('/api/v1/meta')).catch((e: unknown) => e)) as ProblemError;
    expect(error).toBeInstanceOf(ProblemError);
    expect(error.status).toBe(502);
    expect(error.code).toBe('http_error');
    expect(error.retryable).toBe(true);
  });

  it('makes a network failure a retryable network_error problem', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))),
    );
    const error = (await unwrap(api.GET('/api/v1/meta')).catch((e: unknown) => e)) as ProblemError;
    expect(error).toBeInstanceOf(ProblemError);
    expect(error.code).toBe('network_error');
    expect(error.status).toBe(0);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/Cannot reach the Cerulean server/);
  });

  it('reads Retry-After of a 429 as seconds', async () => {
    stubFetch({
      'POST /api/v1/auth/token': () =>
        problemResponse(429, 'too_many_attempts', 'too many failed sign-ins', { headers: { 'Retry-After': '840' } }),
    });
    const error = (await unwrap(api.POST('/api/v1/auth/token', { body: { username: 'a@b.c', password: 'x' } })).catch(
      (e: unknown) => e,
    )) as ProblemError;
    expect(error.code).toBe('too_many_attempts');
    expect(error.retryAfterSeconds).toBe(840);
  });
});

describe('the session in the client', () => {
  it('sends the bearer token', async () => {
    startSession('token-1', 3600);
    const { requests } = stubFetch({ 'GET /api/v1/users/me': () => jsonResponse({ id: 1, email: 'a@b.c' }) });
    await unwrap(api.GET('/api/v1/users/me'));
    expect(requests[0]?.headers.get('Authorization')).toBe('Bearer token-1');
  });

  it('ends the session as expired on a 401, and tells the listeners', async () => {
    startSession('stale', 3600);
    const heard: (string | undefined)[] = [];
    const stop = onSessionChange((session, reason) => {
      if (!session) heard.push(reason);
    });
    stubFetch({ 'GET /api/v1/users/me': () => problemResponse(401, 'invalid_token', 'the token has expired') });
    const error = (await unwrap(api.GET('/api/v1/users/me')).catch((e: unknown) => e)) as ProblemError;
    stop();
    expect(error.status).toBe(401);
    expect(getSession()).toBeNull();
    expect(lastSignOutReason()).toBe('expired');
    expect(heard).toEqual(['expired']);
  });

  it('sends no token to the sign-in endpoint, so its 401 (a wrong password) ends no session', async () => {
    startSession('still-good', 3600);
    const { requests } = stubFetch({
      'POST /api/v1/auth/token': () => problemResponse(401, 'invalid_credentials', 'wrong email or password'),
    });
    await unwrap(api.POST('/api/v1/auth/token', { body: { username: 'a@b.c', password: 'nope' } })).catch(
      () => undefined,
    );
    expect(requests[0]?.headers.has('Authorization')).toBe(false);
    expect(getSession()?.token).toBe('still-good');
  });
});
