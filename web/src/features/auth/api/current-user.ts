import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';

import { signIn } from '@/features/auth/api/sign-in';
import { api, unwrap } from '@/lib/api/client';
import type { components } from '@/lib/api/schema.gen';

export type User = components['schemas']['User'];

export const currentUserKey = ['users', 'me'] as const;

/** The signed-in user (GET /api/v1/users/me). */
export function currentUserQuery() {
  return queryOptions({
    queryKey: currentUserKey,
    queryFn: ({ signal }) => unwrap(api.GET('/api/v1/users/me', { signal })),
    staleTime: 5 * 60_000,
  });
}

export function useCurrentUser() {
  return useQuery(currentUserQuery());
}

/** Changes the display name (empty clears it). */
export function useUpdateFullName() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (fullName: string) =>
      unwrap(api.PATCH('/api/v1/users/me', { body: { full_name: fullName.trim() || null } })),
    onSuccess: (user) => queryClient.setQueryData(currentUserKey, user),
  });
}

export interface PasswordChange {
  email: string;
  currentPassword: string;
  newPassword: string;
}

/** The password did change, but signing in again with the new one failed (`cause` says why). */
export class SignInAfterPasswordChangeError extends Error {
  constructor(cause: unknown) {
    super('Your password was changed, but signing in again with it failed. Sign in with your new password.', { cause });
    this.name = 'SignInAfterPasswordChangeError';
  }
}

/**
 * Changes the password. The server then refuses every earlier token, this session's too, so the
 * new password signs in again at once (SignInAfterPasswordChangeError when that step fails).
 */
export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ email, currentPassword, newPassword }: PasswordChange) => {
      const user = await unwrap(
        api.PATCH('/api/v1/users/me', { body: { current_password: currentPassword, password: newPassword } }),
      );
      queryClient.setQueryData(currentUserKey, user);
      try {
        await signIn({ email, password: newPassword });
      } catch (cause) {
        throw new SignInAfterPasswordChangeError(cause);
      }
      return user;
    },
  });
}
