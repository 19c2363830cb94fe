import { QueryClient } from '@tanstack/react-query';

import { ProblemError } from '@/lib/api/problem';

/** Retries only what a retry can help (network, 5xx, 429); never a 4xx answer. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        refetchOnWindowFocus: false,
        retry: (count, error) => count < 2 && (!(error instanceof ProblemError) || error.retryable),
      },
      mutations: { retry: false },
    },
  });
}
