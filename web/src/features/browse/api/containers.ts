import { infiniteQueryOptions, useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema.gen';

export type ContainerItem = components['schemas']['ContainerItem'];
export type ContainerCreate = components['schemas']['ContainerCreate'];

export const containerKeys = {
  all: (connectionId: number) => ['containers', connectionId] as const,
  list: (connectionId: number, prefix = '') => ['containers', connectionId, 'list', prefix] as const,
};

/** One page of a connection's containers. */
export function fetchContainers(connectionId: number, marker: string | undefined, prefix = '', signal?: AbortSignal) {
  return unwrap(
    api.GET('/api/v1/azure_blob/connections/{id}/containers', {
      params: {
        path: { id: connectionId },
        query: { prefix: prefix || undefined, marker: marker || undefined, limit: 1000 },
      },
      signal,
    }),
  );
}

/** The connection's containers (those whose names start with `prefix`), page by page (`next_marker`). */
export function containersQuery(connectionId: number, prefix = '') {
  return infiniteQueryOptions({
    queryKey: containerKeys.list(connectionId, prefix),
    queryFn: ({ pageParam, signal }) => fetchContainers(connectionId, pageParam, prefix, signal),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.next_marker ?? undefined,
  });
}

export function useContainers(connectionId: number, prefix = '', enabled = true) {
  return useInfiniteQuery({ ...containersQuery(connectionId, prefix), enabled });
}

export function useCreateContainer(connectionId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: ContainerCreate) =>
      unwrap(
        api.POST('/api/v1/azure_blob/connections/{id}/containers', { params: { path: { id: connectionId } }, body }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: containerKeys.all(connectionId) }),
  });
}

export function useDeleteContainer(connectionId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (container: string) =>
      unwrap(
        api.DELETE('/api/v1/azure_blob/connections/{id}/containers/{container}', {
          params: { path: { id: connectionId, container } },
        }),
      ),
    onSuccess: (_data, container) => {
      client.removeQueries({ queryKey: ['blobs', connectionId, container] });
      return client.invalidateQueries({ queryKey: containerKeys.all(connectionId) });
    },
  });
}

/** Azure's rule for container names; null when the name is fine. */
export function containerNameProblem(name: string): string | null {
  if (!name) return 'Enter a name.';
  if (name === '$root' || name === '$web') return null;
  if (name.length < 3 || name.length > 63) return 'Use 3 to 63 characters.';
  if (/[A-Z]/.test(name)) return 'Use lowercase letters only.';
  if (!/^[a-z0-9-]+$/.test(name)) return 'Use only lowercase letters, digits and hyphens.';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'Start and end with a letter or digit.';
  if (name.includes('--')) return 'Hyphens cannot be next to each other.';
  return null;
}
