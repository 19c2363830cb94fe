import { useMutation, useQueryClient } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { startSession } from '@/lib/auth/session';

export interface SignInValues {
  email: string;
  password: string;
}

/** Trades an email and password for a bearer token (OAuth2 password grant, as JSON) and starts the session. */
export async function signIn({ email, password }: SignInValues): Promise<void> {
  const token = await unwrap(api.POST('/api/v1/auth/token', { body: { username: email.trim(), password } }));
  startSession(token.access_token, token.expires_in);
}

/** Sign-in as a mutation; a new session starts with an empty cache (nothing of a previous user). */
export function useSignIn() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: signIn,
    onSuccess: () => queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== 'meta' }),
  });
}
