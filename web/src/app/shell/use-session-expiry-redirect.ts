import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useLocation, useNavigate } from 'react-router';

import { onSessionChange } from '@/lib/auth/session';

/**
 * When the session ends (a 401 from any call, or sign-out in another tab), drop every cached
 * answer of the old user and go to sign-in, coming back here afterwards.
 */
export function useSessionExpiryRedirect(): void {
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  useEffect(
    () =>
      onSessionChange((session, reason) => {
        if (session) return;
        queryClient.clear();
        const next = encodeURIComponent(location.pathname + location.search);
        navigate(`/sign-in?next=${next}${reason === 'expired' ? '&expired=1' : ''}`, { replace: true });
      }),
    [navigate, location, queryClient],
  );
}
