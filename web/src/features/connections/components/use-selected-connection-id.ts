import { useMatch } from 'react-router';

import { rememberedConnection } from '@/lib/selected-connection';

/**
 * The connection the user is in: the one in the URL (/c/:connectionId/...), else the one they
 * last worked in. `fromUrl` says which.
 */
export function useSelectedConnectionId(): { id: number | null; fromUrl: boolean } {
  const match = useMatch('/c/:connectionId/*');
  const fromUrl = Number(match?.params.connectionId);
  if (Number.isInteger(fromUrl) && fromUrl > 0) return { id: fromUrl, fromUrl: true };
  return { id: rememberedConnection(), fromUrl: false };
}
