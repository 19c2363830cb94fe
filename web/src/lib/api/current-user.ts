// The signed-in user is read across the console (the account menu, settings, the Activity
// page's superuser filter), so its query lives here, shared.
import { queryOptions, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema.gen';

export type User = components['schemas']['User'];

export const currentUserKey = ['users', 'me'] as const;

/** The signed-in user (GET /api/v1/users/me). */
export function currentUserQuery() {
  return queryOptions({
    queryKey: currentUserKey,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/users/me', { signal })),
    staleTime: 5 * 60_000,
  });
}

export function useCurrentUser() {
  return useQuery(currentUserQuery());
}
