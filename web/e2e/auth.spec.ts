// Register, sign in and out, and a session that ends under the user's feet: back to sign-in with
// a message, then back to the page they were on.

import { newCredentials } from './support/api';
import { expect, folderPath, signIn, test } from './support/fixtures';

test('register, sign out and sign in again', async ({ page }) => {
  const user = newCredentials();
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in/);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page.getByRole('heading', { name: 'Create your account' })).toBeVisible();

  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel(/^Password/).fill(user.password);
  await page.getByLabel(/^Confirm password/).fill(user.password);
  await page.getByRole('button', { name: 'Create account' }).click();

  // Registering signs in; a new account has no connection yet: the connections page.
  await expect(page).toHaveURL(/\/connections$/);
  await expect(page.getByRole('heading', { name: 'Connections', level: 1 })).toBeVisible();

  const account = page.getByRole('button', { name: 'Account: Ada Lovelace' });
  await account.click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();

  // Signed out means signed out: a signed-in page sends back to sign-in.
  await page.goto('/connections');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fconnections/);

  await signIn(page, user, null);
  await expect(page).toHaveURL(/\/connections$/);
  await expect(page.getByRole('button', { name: 'Account: Ada Lovelace' })).toBeVisible();
});

test('a wrong password is refused readably and the email is kept', async ({ page, api }) => {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(api.credentials.email);
  await page.getByLabel(/^Password/).fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Wrong email or password');
  await expect(page.getByLabel('Email')).toHaveValue(api.credentials.email);
  await expect(page).toHaveURL(/\/sign-in/);
});

test('an ended session returns to sign-in with a message, then to the same page', async ({ page, api, connection }) => {
  await api.createContainer(connection.id, 'reports');
  await api.putBlob(connection.id, 'reports', '2026/q1/summary.txt', 'first quarter\n', 'text/plain');
  await signIn(page, api.credentials);

  const deepLink = folderPath(connection.id, 'reports', '2026/q1/');
  await page.goto(deepLink);
  await expect(page.getByText('summary.txt')).toBeVisible();

  // Another device changes the password: every earlier token stops working.
  await api.changePassword(`changed ${Date.now()}`);
  await page.reload();

  await expect(page).toHaveURL(/\/sign-in\?/);
  await expect(page.getByText('Your session expired; sign in again.')).toBeVisible();
  await signIn(page, api.credentials, null);
  expect(new URL(page.url()).pathname).toBe(deepLink);
  await expect(page.getByText('summary.txt')).toBeVisible();
});
