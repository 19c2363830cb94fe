import { queryOptions } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';

/** What the server offers (sign-up open, a local emulator), read before sign-in. */
export function serverInfoQuery() {
  return queryOptions({
    queryKey: ['meta'] as const,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/meta', { signal })),
    staleTime: 5 * 60_000,
  });
}
