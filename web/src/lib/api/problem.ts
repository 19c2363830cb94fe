import type { components } from '@/lib/api/schema.gen';

/** RFC 9457 problem details as the API sends them. */
export type Problem = components['schemas']['Problem'] & {
  errors?: { field: string; message: string }[];
};

/**
 * Every failed API call becomes one of these: the server's problem details, or one made up
 * for a network failure (status 0, code `network_error`) so that views handle both alike.
 */
export class ProblemError extends Error {
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? 'Request failed');
    this.name = 'ProblemError';
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status ?? 0;
  }

  get code(): string | undefined {
    return this.problem.code;
  }

  /** The message for one form field, from a 422's `errors`. */
  fieldError(field: string): string | undefined {
    return this.problem.errors?.find((e) => e.field === field)?.message;
  }

  /** True when retrying could help: the network, a timeout or an overloaded server. */
  get retryable(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 502;
  }
}

export function networkProblem(cause: unknown): ProblemError {
  const detail =
    cause instanceof Error && cause.message
      ? `Cannot reach the Cerulean server (${cause.message}). Check your network and try again.`
      : 'Cannot reach the Cerulean server. Check your network and try again.';
  return new ProblemError({ type: 'about:blank', title: 'Network error', status: 0, detail, code: 'network_error' });
}

/** Turns a failed response's body into a ProblemError, whatever the server sent. */
export function problemFrom(status: number, body: unknown, statusText = ''): ProblemError {
  if (body && typeof body === 'object' && ('detail' in body || 'code' in body)) {
    return new ProblemError({ ...(body as Problem), status });
  }
  return new ProblemError({
    type: 'about:blank',
    title: statusText || `HTTP ${status}`,
    status,
    detail: `The server answered ${status}${statusText ? ` ${statusText}` : ''}.`,
    code: 'http_error',
  });
}

/** The message to show for any error thrown by a query or mutation. */
export function errorMessage(error: unknown): string {
  if (error instanceof ProblemError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
