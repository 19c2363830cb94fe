import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { connectionKeys } from '@/lib/api/connections';
import type { components } from '@/lib/api/schema.gen';

export type ConnectionUpdate = components['schemas']['ConnectionUpdate'];

/** A partial update (PATCH): only the fields given change; `credentials` only when given. */
export function updateConnection({ id, body }: { id: number; body: ConnectionUpdate }) {
  return unwrap(api.PATCH('/api/v1/azure_blob/connections/{id}', { params: { path: { id } }, body }));
}

export function useUpdateConnection() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: updateConnection,
    onSuccess: (connection) => {
      queryClient.setQueryData(connectionKeys.one(connection.id), connection);
      return queryClient.invalidateQueries({ queryKey: connectionKeys.all });
    },
  });
}
