// A connection's containers, read by the browser and outside it (the sync job form picks from
// them): one query, so that both share one cache entry. The browse feature adds the mutations.
import { infiniteQueryOptions } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema.gen';

export type ContainerItem = components['schemas']['ContainerItem'];

export const containerKeys = {
  all: (connectionId: number) => ['containers', connectionId] as const,
  list: (connectionId: number, prefix = '') => ['containers', connectionId, 'list', prefix] as const,
};

/** The connection's containers whose names start with `prefix`, page by page (`next_marker`). */
export function containerPagesQuery(connectionId: number, prefix = '') {
  return infiniteQueryOptions({
    queryKey: containerKeys.list(connectionId, prefix),
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET('/api/v1/azure_blob/connections/{id}/containers', {
          params: {
            path: { id: connectionId },
            query: { prefix: prefix || undefined, marker: pageParam || undefined, limit: 1000 },
          },
          signal,
        }),
      ),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.next_marker ?? undefined,
  });
}
