import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { connectionKeys } from '@/lib/api/connections';
import { rememberConnection, rememberedConnection } from '@/lib/selected-connection';

/** Deletes a connection; the server also cancels and removes its sync jobs. */
export function deleteConnection(id: number) {
  return unwrap(api.DELETE('/api/v1/azure_blob/connections/{id}', { params: { path: { id } } }));
}

export function useDeleteConnection() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteConnection,
    onSuccess: (_, id) => {
      if (rememberedConnection() === id) rememberConnection(null);
      queryClient.removeQueries({ queryKey: connectionKeys.one(id) });
      // Its containers and blobs are gone from the user's view too.
      queryClient.removeQueries({ queryKey: ['containers', id] });
      queryClient.removeQueries({ queryKey: ['blobs', id] });
      return queryClient.invalidateQueries({ queryKey: connectionKeys.all });
    },
  });
}
