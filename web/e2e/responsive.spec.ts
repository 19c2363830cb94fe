// Phone width (390 x 844): no horizontal page scroll on the main pages, and the sections are
// reachable through the navigation drawer.

import type { Page } from '@playwright/test';

import { expect, folderPath, listingRow, signIn, test } from './support/fixtures';

test.use({ viewport: { width: 390, height: 844 } });

const longName = 'quarterly-report-for-the-northern-region-final-version-2026-v3-approved.csv';

async function expectNoHorizontalScroll(page: Page, what: string) {
  const sizes = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    widest: [...document.querySelectorAll('body *')]
      .map((e) => ({ e, right: e.getBoundingClientRect().right }))
      .filter(({ right }) => right > window.innerWidth + 1)
      .slice(0, 5)
      .map(
        ({ e, right }) =>
          `${e.tagName.toLowerCase()}${e.id ? '#' + e.id : ''}[${(e.getAttribute('aria-label') ?? e.textContent ?? '').slice(0, 40)}] right=${Math.round(right)}`,
      ),
  }));
  expect
    .soft(
      sizes.scrollWidth,
      `${what}: page wider than the screen (${sizes.scrollWidth} > ${sizes.innerWidth}); beyond the edge: ${sizes.widest.join('; ')}`,
    )
    .toBeLessThanOrEqual(sizes.innerWidth);
}

test('sign-in and register fit the phone', async ({ page }) => {
  await page.goto('/sign-in');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await expectNoHorizontalScroll(page, 'sign-in');
  await page.goto('/register');
  await expect(page.getByRole('button', { name: 'Create account' })).toBeVisible();
  await expectNoHorizontalScroll(page, 'register');
});

test('the main pages fit the phone and the drawer reaches every section', async ({ page, api, connection }) => {
  await api.createContainer(connection.id, 'phone');
  await api.putBlob(connection.id, 'phone', longName, 'a,b\n1,2\n', 'text/csv');
  await api.putBlob(connection.id, 'phone', 'photos/2026/holiday.txt', 'sun\n', 'text/plain');
  await signIn(page, api.credentials);

  await page.goto('/connections');
  await expect(page.getByRole('heading', { name: 'Connections', level: 1 })).toBeVisible();
  await expect(page.getByRole('list', { name: 'Connections' })).toBeVisible();
  await expectNoHorizontalScroll(page, 'connections');

  await page.getByRole('button', { name: 'Add connection' }).first().click();
  await expect(page.getByRole('dialog', { name: 'Add connection' })).toBeVisible();
  await expectNoHorizontalScroll(page, 'connection form');
  await page.getByRole('dialog', { name: 'Add connection' }).getByRole('button', { name: 'Cancel' }).click();

  await page.goto(`/c/${connection.id}`);
  await expect(page.getByRole('table', { name: 'Containers' })).toBeVisible();
  await expectNoHorizontalScroll(page, 'containers');

  await page.goto(folderPath(connection.id, 'phone'));
  await expect(listingRow(page, longName)).toBeVisible();
  await expectNoHorizontalScroll(page, 'browse');

  await listingRow(page, longName).getByRole('link', { name: longName }).click();
  await expect(page.getByRole('complementary', { name: `Properties of ${longName}` })).toBeVisible();
  await expectNoHorizontalScroll(page, 'properties pane');
  await page
    .getByRole('complementary', { name: `Properties of ${longName}` })
    .getByRole('button', { name: /^Close/ })
    .click();

  // The drawer: open, go to Connections, it closes; open again, go to Settings.
  await page.getByRole('button', { name: 'Open navigation' }).click();
  const drawer = page.getByRole('dialog').filter({ has: page.getByRole('button', { name: 'Close navigation' }) });
  await expect(drawer).toBeVisible();
  await expectNoHorizontalScroll(page, 'navigation drawer');
  await drawer.getByRole('link', { name: 'Connections' }).click();
  await expect(page).toHaveURL(/\/connections$/);
  await expect(drawer).toBeHidden();

  await page.getByRole('button', { name: 'Open navigation' }).click();
  await drawer.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expectNoHorizontalScroll(page, 'settings');

  await page.getByRole('button', { name: 'Open navigation' }).click();
  await drawer.getByRole('link', { name: 'Browse' }).click();
  await expect(page).toHaveURL(new RegExp(`/c/${connection.id}`));
  await expect(drawer).toBeHidden();
});
