import { useMatch } from 'react-router';

import { rememberedConnection } from '@/lib/selected-connection';

/**
 * The connection the user is in: the one in the URL (/c/:connectionId/... or
 * /sync/:connectionId/...), else the one they last worked in. `fromUrl` says which.
 */
export function useSelectedConnectionId(): { id: number | null; fromUrl: boolean } {
  const browsing = useMatch('/c/:connectionId/*');
  const syncing = useMatch('/sync/:connectionId/*');
  const fromUrl = Number((browsing ?? syncing)?.params.connectionId);
  if (Number.isInteger(fromUrl) && fromUrl > 0) return { id: fromUrl, fromUrl: true };
  return { id: rememberedConnection(), fromUrl: false };
}
