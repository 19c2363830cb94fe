import { screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import RegisterPage from '@/features/auth/components/register-page';
import { endSession, getSession } from '@/lib/auth/session';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, problemResponse, stubFetch, type Responder } from '@/testing/stub-fetch';

vi.setConfig({ testTimeout: 20_000 });

const meta =
  (signupOpen = true): Responder =>
  () =>
    jsonResponse({ version: '0.1.0', signup_open: signupOpen, local_emulator: null });

afterEach(() => {
  vi.unstubAllGlobals();
  endSession('signed_out');
});

async function fill(
  view: ReturnType<typeof renderWithProviders>,
  values: { email: string; password: string; confirm?: string },
) {
  await view.user.type(screen.getByLabelText(/^Email/), values.email);
  await view.user.type(screen.getByLabelText(/^Password/), values.password);
  await view.user.type(screen.getByLabelText(/^Confirm password/), values.confirm ?? values.password);
  await view.user.click(screen.getByRole('button', { name: 'Create account' }));
}

describe('RegisterPage', () => {
  it('checks the password length and the confirmation before sending', async () => {
    const { calls } = stubFetch({ 'GET /api/v1/meta': meta() });
    const view = renderWithProviders(<RegisterPage />, { route: '/register', path: '/register' });
    await fill(view, { email: 'ada@example.com', password: 'short', confirm: 'other' });
    expect(screen.getByText('Use at least 8 characters.')).toBeInTheDocument();
    expect(screen.getByText('The passwords do not match.')).toBeInTheDocument();
    expect(calls('POST', '/api/v1/auth/register')).toHaveLength(0);
  });

  it('creates the account, signs in and goes to the connections', async () => {
    const { calls } = stubFetch({
      'GET /api/v1/meta': meta(),
      'POST /api/v1/auth/register': () => jsonResponse({ id: 1, email: 'ada@example.com' }, 201),
      'POST /api/v1/auth/token': () => jsonResponse({ access_token: 'jwt-2', token_type: 'bearer', expires_in: 3600 }),
    });
    const view = renderWithProviders(<RegisterPage />, { route: '/register', path: '/register' });
    await view.user.type(screen.getByLabelText(/^Full name/), 'Ada Lovelace');
    await fill(view, { email: 'ada@example.com', password: 'analytical engine' });
    await waitFor(() => expect(view.location()).toBe('/connections'));
    expect(calls('POST', '/api/v1/auth/register')[0]?.body).toEqual({
      email: 'ada@example.com',
      password: 'analytical engine',
      full_name: 'Ada Lovelace',
    });
    expect(getSession()?.token).toBe('jwt-2');
  });

  it('puts email_taken and 422 field errors on their fields', async () => {
    let answer = problemResponse(409, 'email_taken', 'an account with this email exists');
    stubFetch({ 'GET /api/v1/meta': meta(), 'POST /api/v1/auth/register': () => answer });
    const view = renderWithProviders(<RegisterPage />, { route: '/register', path: '/register' });
    await fill(view, { email: 'ada@example.com', password: 'analytical engine' });
    expect(await screen.findByText(/An account with this email already exists/)).toBeInTheDocument();
    expect(screen.getByLabelText(/^Email/)).toHaveAttribute('aria-invalid', 'true');

    answer = problemResponse(422, 'validation_error', 'email is not a valid address', {
      errors: [{ field: 'email', message: 'is not a valid address' }],
    });
    await view.user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByText('Is not a valid address.')).toBeInTheDocument();
    expect(screen.getByLabelText(/^Email/)).toHaveValue('ada@example.com');
  });

  it('says that sign-up is closed', async () => {
    stubFetch({ 'GET /api/v1/meta': meta(false) });
    renderWithProviders(<RegisterPage />, { route: '/register', path: '/register' });
    expect(await screen.findByText('Sign-up is closed')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Create account' })).toBeNull();
  });
});
