import { useMutation } from '@tanstack/react-query';

import { signIn } from '@/features/auth/api/sign-in';
import { api, unwrap } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/problem';

export interface RegisterValues {
  email: string;
  fullName: string;
  password: string;
}

/**
 * Creates the account, then signs in with it. `signedIn` is false when the account exists but
 * the sign-in after it failed (the caller sends the user to the sign-in page, not back to a
 * form that would now answer "email taken").
 */
export async function register({
  email,
  fullName,
  password,
}: RegisterValues): Promise<{ signedIn: boolean; signInError?: string }> {
  await unwrap(
    api.POST('/api/v1/auth/register', {
      body: { email: email.trim(), password, full_name: fullName.trim() || null },
    }),
  );
  try {
    await signIn({ email, password });
    return { signedIn: true };
  } catch (error) {
    return { signedIn: false, signInError: errorMessage(error) };
  }
}

export function useRegister() {
  return useMutation({ mutationFn: register });
}
