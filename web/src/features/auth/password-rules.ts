// The API's rule for passwords (at least 8 characters), checked before sending, plus the
// confirmation a form asks for.

export const minPasswordLength = 8;

/** What is wrong with a new password and its confirmation; empty when both are fine. */
export function passwordProblems(password: string, confirm: string): { password?: string; confirm?: string } {
  const out: { password?: string; confirm?: string } = {};
  if (!password) out.password = 'Enter a password.';
  else if ([...password].length < minPasswordLength) out.password = `Use at least ${minPasswordLength} characters.`;
  if (!confirm) out.confirm = 'Enter the password again.';
  else if (confirm !== password) out.confirm = 'The passwords do not match.';
  return out;
}
