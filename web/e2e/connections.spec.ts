// Connections: the local emulator in two clicks and a test that says it works; a wrong key's
// test says why, in words, in place.

import type { Page } from '@playwright/test';

import { emulatorAccount } from './support/stack.mjs';
import { expect, signIn, test } from './support/fixtures';

function connectionRow(page: Page, name: string) {
  return page
    .getByRole('table', { name: 'Connections' })
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name, exact: true }) });
}

function testResult(page: Page, name: string) {
  return page.getByRole('row', { name: `Test result for ${name}` });
}

test('add the local emulator and test it', async ({ page, api, emulator }) => {
  await signIn(page, api.credentials);
  await page.goto('/connections');
  await expect(page.getByRole('heading', { name: 'Add your first connection' })).toBeVisible();

  await page.getByRole('button', { name: 'Add local emulator' }).click();
  const form = page.getByRole('dialog', { name: 'Add connection' });
  await expect(form).toBeVisible();
  await expect(form.getByLabel(/^Name/)).toHaveValue('Local emulator');
  await expect(form.getByLabel(/^Account name/)).toHaveValue(emulatorAccount.name);
  await expect(form.getByLabel(/^Endpoint/)).toHaveValue(emulator);
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(form).toBeHidden();
  await expect(page.getByText('Added “Local emulator”.')).toBeVisible();

  const row = connectionRow(page, 'Local emulator');
  await expect(row).toBeVisible();
  await expect(row).toContainText(emulator);
  // Saved credentials are tested at once; "Test" tests again.
  await expect(testResult(page, 'Local emulator')).toContainText('Connection works', { timeout: 20_000 });
  await testResult(page, 'Local emulator').getByRole('button', { name: 'Dismiss the test result' }).click();
  await expect(testResult(page, 'Local emulator')).toBeHidden();
  await row.getByRole('button', { name: /^Test( |$)/ }).click();
  await expect(testResult(page, 'Local emulator')).toContainText('Connection works');
  await expect(testResult(page, 'Local emulator')).toContainText(/Azure answered in [\d,]+ ms/);

  const saved = await api.connections();
  expect(saved).toHaveLength(1);
  expect(saved[0]).toMatchObject({
    name: 'Local emulator',
    auth_type: 'account_key',
    account_name: emulatorAccount.name,
    endpoint: emulator,
  });
});

test('a wrong account key: the test says why, readably, on the row', async ({ page, api, emulator }) => {
  const wrongKey = Buffer.alloc(64, 7).toString('base64');
  await signIn(page, api.credentials);
  await page.goto('/connections');
  await page.getByRole('button', { name: 'Add connection' }).first().click();
  const form = page.getByRole('dialog', { name: 'Add connection' });
  await form.getByLabel(/^Name/).fill('Wrong key');
  await form.getByLabel(/^Authentication type/).selectOption({ label: 'Account name and key' });
  await form.getByLabel(/^Account key/).fill(wrongKey);
  await form.getByLabel(/^Account name/).fill(emulatorAccount.name);
  await form.getByLabel(/^Endpoint/).fill(emulator);
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(form).toBeHidden();

  const [created] = await api.connections();
  const answer = (await (await api.raw('POST', `/api/v1/azure_blob/connections/${created!.id}/test`)).json()) as {
    ok: boolean;
    code: string;
    detail: string;
  };
  expect(answer).toMatchObject({ ok: false, code: 'azure_auth_failed' });

  const result = testResult(page, 'Wrong key');
  await expect(result).toBeVisible({ timeout: 20_000 });
  await expect(result).toContainText('azure_auth_failed');
  // The server's detail, word for word (less its request id, which differs per call).
  await expect(result).toContainText(answer.detail.replace(/\s*\(request id [^)]*\)\s*$/, ''));
  await expect(result.getByRole('alert')).toBeVisible();
  // The secret is never shown back.
  await expect(page.getByText(wrongKey)).toHaveCount(0);
});
