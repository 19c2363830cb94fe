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
  /** The response's `Retry-After` in seconds (429 too_many_attempts, 503 server_busy), if any. */
  readonly retryAfterSeconds: number | undefined;

  constructor(problem: Problem, retryAfterSeconds?: number) {
    super(problem.detail ?? problem.title ?? 'Request failed');
    this.name = 'ProblemError';
    this.problem = problem;
    this.retryAfterSeconds = retryAfterSeconds;
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
    // Rejected credentials stay rejected: asking again only delays the answer.
    if (this.code === 'azure_auth_failed') return false;
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
export function problemFrom(status: number, body: unknown, statusText = '', retryAfterSeconds?: number): ProblemError {
  if (body && typeof body === 'object' && ('detail' in body || 'code' in body)) {
    return new ProblemError({ ...(body as Problem), status }, retryAfterSeconds);
  }
  return new ProblemError(
    {
      type: 'about:blank',
      title: statusText || `HTTP ${status}`,
      status,
      detail: `The server answered ${status}${statusText ? ` ${statusText}` : ''}.`,
      code: 'http_error',
    },
    retryAfterSeconds,
  );
}

/** `Retry-After` as seconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The message to show for any error thrown by a query or mutation. */
export function errorMessage(error: unknown): string {
  if (error instanceof ProblemError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

/** A server's field message ("must be 3 to 24 lowercase letters") as a sentence to show under the field. */
export function asSentence(message: string): string {
  const text = message.trim();
  if (!text) return text;
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}
