// The properties pane: metadata edited in place and saved; previews of an image and a text
// file; a SAS share link copied to the clipboard that opens the blob without signing in.

import type { Page } from '@playwright/test';

import { expect, folderPath, listingRow, signIn, test } from './support/fixtures';
import { makePng } from './support/files';

function pane(page: Page, name: string) {
  return page.getByRole('complementary', { name: `Properties of ${name}` });
}

test('edit metadata in the properties pane', async ({ page, api, connection }) => {
  await api.createContainer(connection.id, 'meta');
  await api.putBlob(connection.id, 'meta', 'notes/todo.txt', 'buy milk\n', 'text/plain');
  await signIn(page, api.credentials);
  await page.goto(folderPath(connection.id, 'meta', 'notes/'));

  await listingRow(page, 'todo.txt').getByRole('link', { name: 'todo.txt' }).click();
  const props = pane(page, 'todo.txt');
  await expect(props).toBeVisible();
  await expect(page).toHaveURL(/\?item=notes%2Ftodo\.txt$/);
  await expect(props.getByText('No metadata.')).toBeVisible();

  await props.getByRole('button', { name: 'Add', exact: true }).click();
  await props.getByRole('textbox', { name: 'Name 1' }).fill('project');
  await props.getByRole('textbox', { name: 'Value 1' }).fill('cerulean');
  await props.getByRole('button', { name: 'Add', exact: true }).click();
  await props.getByRole('textbox', { name: 'Name 2' }).fill('owner');
  await props.getByRole('textbox', { name: 'Value 2' }).fill('team a');
  await props.getByRole('button', { name: 'Save metadata' }).click();
  await expect(props.getByRole('status').filter({ hasText: 'Saved.' })).toBeVisible();

  expect((await api.properties(connection.id, 'meta', 'notes/todo.txt')).metadata).toEqual({
    project: 'cerulean',
    owner: 'team a',
  });

  // A reload shows what was saved.
  await page.reload();
  const reloaded = pane(page, 'todo.txt');
  await expect(reloaded.getByRole('textbox', { name: /^Value \d+$/ })).toHaveCount(2);
  const pairs = async () => {
    const names = await reloaded
      .getByRole('textbox', { name: /^Name \d+$/ })
      .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    const values = await reloaded
      .getByRole('textbox', { name: /^Value \d+$/ })
      .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    return Object.fromEntries(names.map((n, i) => [n, values[i]]));
  };
  expect(await pairs()).toEqual({ project: 'cerulean', owner: 'team a' });
});

test('preview an image and a text file', async ({ page, api, connection }) => {
  await api.createContainer(connection.id, 'media');
  await api.putBlob(connection.id, 'media', 'gradient.png', makePng(240, 160), 'image/png');
  await api.putBlob(
    connection.id,
    'media',
    'hello.txt',
    'Hello from Cerulean.\nSecond line: ünïcödé ✓\n',
    'text/plain; charset=utf-8',
  );
  await signIn(page, api.credentials);
  await page.goto(folderPath(connection.id, 'media'));

  await listingRow(page, 'gradient.png').getByRole('link', { name: 'gradient.png' }).click();
  const image = pane(page, 'gradient.png').getByRole('img', { name: 'Preview of gradient.png' });
  await expect(image).toBeVisible();
  await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(240);
  expect(await image.getAttribute('src')).toMatch(/^\/api\/v1\/blob_links\/|^http/);

  await listingRow(page, 'hello.txt').getByRole('link', { name: 'hello.txt' }).click();
  const text = pane(page, 'hello.txt').getByLabel('Text of hello.txt');
  await expect(text).toContainText('Hello from Cerulean.');
  await expect(text).toContainText('Second line: ünïcödé ✓');
});

test('copy a share link that opens the blob without signing in', async ({
  page,
  api,
  connection,
  context,
  baseURL,
  request,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  await api.createContainer(connection.id, 'shared');
  await api.putBlob(connection.id, 'shared', 'report.txt', 'quarterly numbers\n', 'text/plain');
  await signIn(page, api.credentials);
  await page.goto(folderPath(connection.id, 'shared'));

  await listingRow(page, 'report.txt').getByRole('link', { name: 'report.txt' }).click();
  await pane(page, 'report.txt').getByRole('button', { name: 'Share', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Share link' });
  await dialog.getByRole('radio', { name: '1 day' }).check();
  await dialog.getByRole('button', { name: 'Create link' }).click();

  const field = dialog.getByRole('textbox', { name: 'Link' });
  await expect(field).toHaveValue(/^http/);
  const url = await field.inputValue();
  await expect(dialog.getByRole('status')).toContainText('Expires');
  await dialog.getByRole('button', { name: 'Copy' }).click();
  await expect(dialog.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

  // The link expires in about a day (the SAS's own expiry, not what the dialog says).
  const expiry = new Date(new URL(url).searchParams.get('se') ?? '').getTime();
  expect(Math.abs(expiry - (Date.now() + 86_400_000))).toBeLessThan(10 * 60_000);
  // A plain GET, no Cerulean session: the bytes.
  const response = await request.get(url, { headers: {} });
  expect(response.status()).toBe(200);
  expect(await response.text()).toBe('quarterly numbers\n');
});
