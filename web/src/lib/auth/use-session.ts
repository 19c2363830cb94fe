import { useSyncExternalStore } from 'react';

import { getSession, onSessionChange, type Session } from '@/lib/auth/session';

/** The current session, re-rendering on sign-in, sign-out and expiry. */
export function useSession(): Session | null {
  return useSyncExternalStore(
    (notify) => onSessionChange(() => notify()),
    getSession,
    () => null,
  );
}
