// axe-core on each main page: no critical or serious violation (WCAG 2.x A/AA and best
// practices as axe runs them by default). Each signed-in page is checked even when an earlier
// one fails (soft assertions), so that one run lists everything to fix.

import type { Page } from '@playwright/test';

import { expectNoSeriousA11yViolations } from './support/axe';
import { expect, folderPath, listingRow, signIn, test } from './support/fixtures';
import { makePng } from './support/files';

test('sign-in and register pages', async ({ page }) => {
  await page.goto('/sign-in');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expectNoSeriousA11yViolations(page, 'the sign-in page', { soft: true });

  // With an error shown.
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByText('Enter your email.')).toBeVisible();
  await expectNoSeriousA11yViolations(page, 'the sign-in page with field errors', { soft: true });

  await page.goto('/register');
  await expect(page.getByRole('button', { name: 'Create account' })).toBeVisible();
  await expectNoSeriousA11yViolations(page, 'the register page', { soft: true });
});

async function checkSignedInPages(page: Page, api: import('./support/api').Api, connectionId: number, theme: string) {
  await page.goto('/connections');
  await expect(page.getByRole('table', { name: 'Connections' })).toBeVisible();
  await expectNoSeriousA11yViolations(page, `the connections page (${theme})`, { soft: true });

  await page.getByRole('button', { name: 'Add connection' }).first().click();
  await expect(page.getByRole('dialog', { name: 'Add connection' })).toBeVisible();
  await expectNoSeriousA11yViolations(page, `the connection form (${theme})`, { soft: true });
  await page.getByRole('dialog', { name: 'Add connection' }).getByRole('button', { name: 'Cancel' }).click();

  await page.goto(`/c/${connectionId}`);
  await expect(page.getByRole('table', { name: 'Containers' })).toBeVisible();
  await expectNoSeriousA11yViolations(page, `the containers page (${theme})`, { soft: true });

  await page.goto(folderPath(connectionId, 'a11y'));
  await expect(listingRow(page, 'picture.png')).toBeVisible();
  await expectNoSeriousA11yViolations(page, `a folder with items (${theme})`, { soft: true });

  await listingRow(page, 'picture.png').getByRole('link', { name: 'picture.png' }).click();
  const pane = page.getByRole('complementary', { name: 'Properties of picture.png' });
  await expect(pane.getByRole('img', { name: 'Preview of picture.png' })).toBeVisible();
  await expectNoSeriousA11yViolations(page, `the properties pane (${theme})`, { soft: true });

  await pane.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(page.getByRole('dialog', { name: 'Share link' })).toBeVisible();
  await expectNoSeriousA11yViolations(page, `the share dialog (${theme})`, { soft: true });
  await page.getByRole('dialog', { name: 'Share link' }).getByRole('button', { name: 'Cancel' }).click();

  await page.goto('/activity');
  const events = page.getByRole('table', { name: 'Events' });
  await expect(events.getByText('Signed in').first()).toBeVisible();
  await events
    .getByRole('button', { name: /^Details: / })
    .first()
    .click();
  await expectNoSeriousA11yViolations(page, `the Activity page, details open (${theme})`, { soft: true });
  void api;
}

test('signed-in pages, light and dark', async ({ page, api, connection }) => {
  test.setTimeout(120_000);
  await api.createContainer(connection.id, 'a11y');
  await api.putBlob(connection.id, 'a11y', 'picture.png', makePng(64, 48), 'image/png');
  await api.putBlob(connection.id, 'a11y', 'notes.txt', 'notes\n', 'text/plain');
  await api.putBlob(connection.id, 'a11y', 'folder/inside.txt', 'inside\n', 'text/plain');
  await signIn(page, api.credentials);

  await checkSignedInPages(page, api, connection.id, 'light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await checkSignedInPages(page, api, connection.id, 'dark');
});
