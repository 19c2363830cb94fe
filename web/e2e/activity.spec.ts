// The Activity page against the real server: a failed and a good sign-in, and a connection added
// through the form, each show as a sentence; the kind filter narrows to connections (and says so
// in the address); the connection's event links to it. Axe and the phone width on the way.

import type { Page } from '@playwright/test';

import { expectNoSeriousA11yViolations } from './support/axe';
import { expect, signIn, test } from './support/fixtures';

/** The rows of the events table, without its header. */
function eventRows(page: Page) {
  return page
    .getByRole('table', { name: 'Events' })
    .getByRole('row')
    .filter({ hasNot: page.getByRole('columnheader') });
}

function eventRow(page: Page, sentence: string | RegExp) {
  return eventRows(page).filter({ hasText: sentence });
}

test('sign-ins and a new connection show on the Activity page, and filter to connections', async ({ page, api }) => {
  // A wrong password first, then the right one, through the sign-in page.
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(api.credentials.email);
  await page.getByLabel(/^Password/).fill(`${api.credentials.password} (wrong)`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await signIn(page, api.credentials);

  // A connection, through the form (saving it tests it).
  await page.goto('/connections');
  await page.getByRole('button', { name: 'Add local emulator' }).click();
  const form = page.getByRole('dialog', { name: 'Add connection' });
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(form).toBeHidden();
  const [connection] = await api.connections();

  await page.getByRole('navigation').getByRole('link', { name: 'Activity' }).click();
  await expect(page).toHaveURL(/\/activity$/);
  await expect(page.getByRole('heading', { name: 'Activity', level: 1 })).toBeVisible();
  const added = eventRow(page, 'Added connection “Local emulator”');
  await expect(added).toHaveCount(1);
  await expect(eventRow(page, /^.*Signed in/).first()).toBeVisible();
  await expect(eventRow(page, 'Failed sign-in (wrong password)')).toHaveCount(1);
  // Where it came from: this browser's address, as the server saw it.
  await expect(added).toContainText('127.0.0.1');
  await expectNoSeriousA11yViolations(page, 'the Activity page', { soft: true });

  // Its details hold the request id.
  await added.getByRole('button', { name: /^Details: / }).click();
  await expect(page.locator(`[id^="audit-event-"]`).first()).toContainText('Request ID');

  // Connections only: the sign-ins go, the connection's events stay.
  await page.getByRole('combobox', { name: 'Show' }).selectOption({ label: 'Connections' });
  await expect(page).toHaveURL(/\/activity\?events=connection$/);
  await expect(eventRow(page, /Signed in|Failed sign-in/)).toHaveCount(0);
  await expect(added).toHaveCount(1);
  await expect(
    eventRows(page)
      .filter({ hasText: /^.*Tested connection “Local emulator”/ })
      .first(),
  ).toBeVisible({
    timeout: 20_000,
  });
  await expectNoSeriousA11yViolations(page, 'the Activity page, filtered', { soft: true });

  // Its target links to the connection, by id.
  await added.getByRole('link', { name: 'Local emulator' }).click();
  await expect(page).toHaveURL(new RegExp(`/c/${connection!.id}$`));
  await page.goBack();

  // A phone: a list, no page-wide horizontal scroll.
  await page.setViewportSize({ width: 390, height: 844 });
  const list = page.getByRole('list', { name: 'Events' });
  await expect(list.getByRole('listitem').filter({ hasText: 'Added connection “Local emulator”' })).toBeVisible();
  const sizes = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(sizes.scrollWidth).toBeLessThanOrEqual(sizes.innerWidth);
  await expectNoSeriousA11yViolations(page, 'the Activity page at 390 px', { soft: true });
});
