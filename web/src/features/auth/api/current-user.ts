import { useMutation, useQueryClient } from '@tanstack/react-query';

import { signIn } from '@/features/auth/api/sign-in';
import { api, unwrap } from '@/lib/api/client';
import { currentUserKey } from '@/lib/api/current-user';

// The query itself is shared (lib/api/current-user.ts); these names stay for the auth feature.
export { currentUserKey, currentUserQuery, useCurrentUser, type User } from '@/lib/api/current-user';

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
