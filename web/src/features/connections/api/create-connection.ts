import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { connectionKeys } from '@/lib/api/connections';
import type { components } from '@/lib/api/schema.gen';

export type ConnectionCreate = components['schemas']['ConnectionCreate'];

export function createConnection(body: ConnectionCreate) {
  return unwrap(api.POST('/api/v1/azure_blob/connections', { body }));
}

export function useCreateConnection() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createConnection,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: connectionKeys.all }),
  });
}
