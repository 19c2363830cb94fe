// A 64 MiB download goes from the server to the browser's download manager through a
// single-use link (a plain navigation), never through a blob: URL built in JavaScript.

import { readFileSync } from 'node:fs';

import { command, expect, folderPath, listing, signIn, test } from './support/fixtures';
import { patternBytes, sha256 } from './support/files';

test('download a 64 MiB blob and compare its bytes', async ({ page, api, connection, baseURL }) => {
  test.setTimeout(120_000);
  const size = 64 * 1024 * 1024;
  const body = patternBytes(size);
  const expected = sha256(body);
  await api.createContainer(connection.id, 'big');
  await api.putBlob(connection.id, 'big', 'data/pattern.bin', body);

  await signIn(page, api.credentials);
  await page.goto(folderPath(connection.id, 'big', 'data/'));
  await listing(page).getByRole('checkbox', { name: 'Select pattern.bin' }).check();

  const started = page.waitForEvent('download');
  await command(page, 'Download').click();
  const download = await started;

  expect(download.url(), 'the download is a navigation to a blob link of the server').toMatch(
    new RegExp(`^${baseURL}/api/v1/blob_links/[A-Za-z0-9_-]{43}$`),
  );
  expect(download.url().startsWith('blob:'), 'not a blob: URL').toBe(false);
  expect(download.suggestedFilename()).toBe('pattern.bin');
  expect(await download.failure()).toBeNull();
  const path = await download.path();
  const received = readFileSync(path);
  expect(received.length).toBe(size);
  expect(sha256(received)).toBe(expected);

  // The link was single-use.
  expect((await page.request.get(download.url())).status()).toBe(404);
});
