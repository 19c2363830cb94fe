import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { containerKeys, containerPagesQuery } from '@/lib/api/containers';
import type { components } from '@/lib/api/schema.gen';

// The query (shared with the sync job form) lives in lib/api/containers.ts; the browser's
// mutations are here.
export type { ContainerItem } from '@/lib/api/containers';
export type ContainerCreate = components['schemas']['ContainerCreate'];

export function useContainers(connectionId: number, prefix = '', enabled = true) {
  return useInfiniteQuery({ ...containerPagesQuery(connectionId, prefix), enabled });
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
