import { screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import SignInPage from '@/features/auth/components/sign-in-page';
import { endSession, getSession } from '@/lib/auth/session';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, problemResponse, stubFetch, type Responder } from '@/testing/stub-fetch';

const meta =
  (signupOpen = true): Responder =>
  () =>
    jsonResponse({ version: '0.1.0', signup_open: signupOpen, local_emulator: null });
const token: Responder = () => jsonResponse({ access_token: 'jwt-1', token_type: 'bearer', expires_in: 3600 });

function renderSignIn(route: string) {
  return renderWithProviders(<SignInPage />, { route, path: '/sign-in' });
}

vi.setConfig({ testTimeout: 20_000 });

afterEach(() => {
  vi.unstubAllGlobals();
  endSession('signed_out');
});

describe('SignInPage', () => {
  it('signs in with the email and password and goes to next=', async () => {
    const { calls } = stubFetch({ 'GET /api/v1/meta': meta(), 'POST /api/v1/auth/token': token });
    const view = renderSignIn('/sign-in?next=%2Fc%2F3%2Fdocs%2Freports%2F');
    await view.user.type(screen.getByLabelText(/^Email/), 'ada@example.com');
    await view.user.type(screen.getByLabelText(/^Password/), 'correct horse');
    await view.user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(view.location()).toBe('/c/3/docs/reports/'));
    expect(calls('POST', '/api/v1/auth/token')[0]?.body).toEqual({
      username: 'ada@example.com',
      password: 'correct horse',
    });
    expect(getSession()?.token).toBe('jwt-1');
  });

  it.each([
    ['//evil.example/x', '%2F%2Fevil.example%2Fx'],
    ['https://evil.example/', 'https%3A%2F%2Fevil.example%2F'],
    ['/\\evil.example', '%2F%5Cevil.example'],
  ])('refuses the open redirect next=%s and goes to /', async (_, encoded) => {
    stubFetch({ 'GET /api/v1/meta': meta(), 'POST /api/v1/auth/token': token });
    const view = renderSignIn(`/sign-in?next=${encoded}`);
    await view.user.type(screen.getByLabelText(/^Email/), 'ada@example.com');
    await view.user.type(screen.getByLabelText(/^Password/), 'correct horse');
    await view.user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(view.location()).toBe('/'));
  });

  it('shows a wrong password in place and keeps the typed email', async () => {
    stubFetch({
      'GET /api/v1/meta': meta(),
      'POST /api/v1/auth/token': () => problemResponse(401, 'invalid_credentials', 'invalid email or password'),
    });
    const view = renderSignIn('/sign-in');
    await view.user.type(screen.getByLabelText(/^Email/), 'ada@example.com');
    await view.user.type(screen.getByLabelText(/^Password/), 'wrong');
    await view.user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong email or password');
    expect(screen.getByLabelText(/^Email/)).toHaveValue('ada@example.com');
    expect(screen.getByLabelText(/^Password/)).toHaveFocus();
    expect(view.location()).toBe('/sign-in');
    expect(getSession()).toBeNull();
  });

  it('says how long to wait after too many attempts (Retry-After)', async () => {
    stubFetch({
      'GET /api/v1/meta': meta(),
      'POST /api/v1/auth/token': () =>
        problemResponse(429, 'too_many_attempts', 'too many failed sign-ins', { headers: { 'Retry-After': '840' } }),
    });
    const view = renderSignIn('/sign-in');
    await view.user.type(screen.getByLabelText(/^Email/), 'ada@example.com');
    await view.user.type(screen.getByLabelText(/^Password/), 'whatever');
    await view.user.click(screen.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Too many failed sign-ins');
    expect(alert).toHaveTextContent('Try again in 14 minutes.');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeDisabled();
    expect(screen.getByLabelText(/^Email/)).toHaveValue('ada@example.com');
  });

  it('asks for both fields before calling the server', async () => {
    const { calls } = stubFetch({ 'GET /api/v1/meta': meta(), 'POST /api/v1/auth/token': token });
    const view = renderSignIn('/sign-in');
    await view.user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByText('Enter your email.')).toBeInTheDocument();
    expect(screen.getByText('Enter your password.')).toBeInTheDocument();
    expect(calls('POST', '/api/v1/auth/token')).toHaveLength(0);
  });

  it('says that the session expired', async () => {
    stubFetch({ 'GET /api/v1/meta': meta() });
    renderSignIn('/sign-in?expired=1&next=%2Fconnections');
    expect(screen.getByText('Your session expired; sign in again.')).toBeInTheDocument();
  });

  it('links to registration only when sign-up is open', async () => {
    stubFetch({ 'GET /api/v1/meta': meta(true) });
    const open = renderSignIn('/sign-in');
    expect(await screen.findByRole('link', { name: 'Create an account' })).toHaveAttribute('href', '/register');
    open.unmount();

    stubFetch({ 'GET /api/v1/meta': meta(false) });
    const closed = renderSignIn('/sign-in');
    await waitFor(() => expect(closed.queryClient.getQueryState(['meta'])?.status).toBe('success'));
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: 'Create an account' })).toBeNull();
  });
});
