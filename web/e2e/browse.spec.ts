// The blob browser: create a container, upload files and a folder through the Upload menu and
// watch them finish in the transfer panel, move around by breadcrumb, path box and deep link,
// and delete with a confirmation that gives the count.

import { expect, folderPath, listing, listingRow, signIn, test, transferRow, command } from './support/fixtures';
import { writeTree } from './support/files';

test('create a container', async ({ page, api, accounts }) => {
  // An account no other test writes to: its containers page starts empty.
  const empty = accounts.emptyaccount!;
  const connection = await api.emulatorConnection(empty.endpoint, 'Empty account', empty);
  await signIn(page, api.credentials);
  await page.goto(`/c/${connection.id}`);
  await expect(page.getByRole('heading', { name: 'Containers', level: 1 })).toBeVisible();
  await expect(page.getByText('No containers yet')).toBeVisible();

  await page.getByRole('button', { name: 'New container' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'New container' });
  await dialog.getByLabel(/^Name/).fill('team-docs');
  await dialog.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(dialog).toBeHidden();

  await expect(page).toHaveURL(new RegExp(`/c/${connection.id}/team-docs/?$`));
  await expect(page.getByText('This container is empty')).toBeVisible();
  expect(await api.containerNames(connection.id)).toContain('team-docs');

  await page.goto(`/c/${connection.id}`);
  await expect(page.getByRole('table', { name: 'Containers' }).getByRole('link', { name: 'team-docs' })).toBeVisible();
});

test('upload two files and a folder through the Upload menu', async ({ page, api, connection }, testInfo) => {
  await api.createContainer(connection.id, 'uploads');
  const dir = testInfo.outputPath('to-upload');
  const [alpha, beta] = writeTree(dir, {
    'alpha.txt': 'alpha\n'.repeat(1000),
    'beta.csv': 'id,name\n1,beta\n',
  });
  writeTree(dir, { 'photos/a.txt': 'a in photos\n', 'photos/sub/b.txt': 'b in photos/sub\n' });

  await signIn(page, api.credentials);
  await page.goto(folderPath(connection.id, 'uploads'));
  await expect(page.getByText('This container is empty')).toBeVisible();

  // Two files through the file chooser.
  let chooser = page.waitForEvent('filechooser');
  await command(page, 'Upload').click();
  await page.getByRole('menuitem', { name: 'Files…' }).click();
  await (await chooser).setFiles([alpha!, beta!]);

  const panel = page.getByRole('region', { name: 'Transfers' });
  await expect(panel).toBeVisible();
  for (const name of ['alpha.txt', 'beta.csv']) {
    const row = transferRow(page, name);
    await expect(row).toContainText('Uploaded');
    await expect(row.getByRole('progressbar', { name: `Upload of ${name}` })).toHaveAttribute('aria-valuetext', '100%');
  }
  await expect(listingRow(page, 'alpha.txt')).toBeVisible();
  await expect(listingRow(page, 'beta.csv')).toBeVisible();

  // A folder: its relative paths become folders.
  chooser = page.waitForEvent('filechooser');
  await command(page, 'Upload').click();
  await page.getByRole('menuitem', { name: 'Folder…' }).click();
  await (await chooser).setFiles(`${dir}/photos`);
  await expect(transferRow(page, 'a.txt')).toContainText('Uploaded');
  await expect(transferRow(page, 'b.txt')).toContainText('Uploaded');
  await expect(panel).toContainText('4 done');
  await expect(listingRow(page, 'photos')).toBeVisible();

  expect((await api.blobNames(connection.id, 'uploads')).sort()).toEqual([
    'alpha.txt',
    'beta.csv',
    'photos/a.txt',
    'photos/sub/b.txt',
  ]);
  expect((await api.properties(connection.id, 'uploads', 'alpha.txt')).size).toBe(6000);

  // The panel stays across navigation.
  await listingRow(page, 'photos').getByRole('link', { name: 'photos' }).click();
  await expect(listingRow(page, 'sub')).toBeVisible();
  await expect(panel).toContainText('4 done');
  await panel.getByRole('button', { name: 'Clear finished' }).click();
  await expect(panel).toBeHidden();
});

test('open folders through the breadcrumb, a pasted path and a reloaded deep link', async ({
  page,
  api,
  connection,
}) => {
  await api.createContainer(connection.id, 'archive');
  await api.putBlob(connection.id, 'archive', 'docs/readme.txt', 'read me\n', 'text/plain');
  await api.putBlob(connection.id, 'archive', 'docs/reports/2026/q1.txt', 'q1\n', 'text/plain');
  await api.putBlob(connection.id, 'archive', 'docs/reports/2025/q4.txt', 'q4\n', 'text/plain');
  await signIn(page, api.credentials);

  // A deep link straight to a folder.
  await page.goto(folderPath(connection.id, 'archive', 'docs/reports/2026/'));
  await expect(listingRow(page, 'q1.txt')).toBeVisible();
  const crumbs = page.getByRole('navigation', { name: 'Location' });
  await expect(crumbs.getByRole('link', { name: '2026' })).toHaveAttribute('aria-current', 'page');

  // Up through the breadcrumb.
  await crumbs.getByRole('link', { name: 'docs', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${folderPath(connection.id, 'archive', 'docs/')}$`));
  await expect(listingRow(page, 'reports')).toBeVisible();
  await expect(listingRow(page, 'readme.txt')).toBeVisible();

  // A pasted path in the header's path box.
  const pathBox = page.getByRole('search', { name: 'Go to a path' });
  await pathBox.getByLabel('Path').fill('archive/docs/reports/2025/');
  await pathBox.getByLabel('Path').press('Enter');
  await expect(page).toHaveURL(new RegExp(`${folderPath(connection.id, 'archive', 'docs/reports/2025/')}$`));
  await expect(listingRow(page, 'q4.txt')).toBeVisible();

  // Reload: the same folder.
  await page.reload();
  await expect(listingRow(page, 'q4.txt')).toBeVisible();
  await expect(crumbs.getByRole('link', { name: '2025' })).toHaveAttribute('aria-current', 'page');

  // Back goes back.
  await page.goBack();
  await expect(listingRow(page, 'readme.txt')).toBeVisible();
});

test('delete two files with a confirmation that gives the count', async ({ page, api, connection }) => {
  await api.createContainer(connection.id, 'trash');
  for (const name of ['old-1.log', 'old-2.log', 'keep.txt'])
    await api.putBlob(connection.id, 'trash', name, `${name}\n`, 'text/plain');
  await signIn(page, api.credentials);
  await page.goto(folderPath(connection.id, 'trash'));

  await listing(page).getByRole('checkbox', { name: 'Select old-1.log' }).check();
  await listing(page).getByRole('checkbox', { name: 'Select old-2.log' }).check();
  await expect(page.getByText('2 selected')).toBeVisible();
  await command(page, 'Delete').click();

  const dialog = page.getByRole('alertdialog', { name: 'Delete 2 items?' });
  await expect(dialog).toContainText('old-1.log');
  await expect(dialog).toContainText('old-2.log');
  await dialog.getByRole('button', { name: 'Delete 2 blobs' }).click();
  await expect(listingRow(page, 'old-1.log')).toHaveCount(0);
  await expect(listingRow(page, 'old-2.log')).toHaveCount(0);
  await expect(listingRow(page, 'keep.txt')).toBeVisible();

  expect(await api.blobStatus(connection.id, 'trash', 'old-1.log')).toBe(404);
  expect(await api.blobStatus(connection.id, 'trash', 'old-2.log')).toBe(404);
  expect(await api.blobNames(connection.id, 'trash')).toEqual(['keep.txt']);
});

test('an upload onto existing names asks: keep both, then overwrite for all', async ({
  page,
  api,
  connection,
}, testInfo) => {
  await api.createContainer(connection.id, 'conflicts');
  await api.putBlob(connection.id, 'conflicts', 'plan.txt', 'old plan\n', 'text/plain');
  await api.putBlob(connection.id, 'conflicts', 'budget.csv', 'old budget\n', 'text/csv');
  await api.putBlob(connection.id, 'conflicts', 'notes.md', 'old notes\n', 'text/markdown');
  const [plan] = writeTree(testInfo.outputPath('first'), { 'plan.txt': 'new plan\n' });
  const second = writeTree(testInfo.outputPath('second'), { 'budget.csv': 'new budget\n', 'notes.md': 'new notes\n' });
  await signIn(page, api.credentials);
  await page.goto(folderPath(connection.id, 'conflicts'));
  await expect(listingRow(page, 'plan.txt')).toBeVisible();

  // One file: keep both.
  let chooser = page.waitForEvent('filechooser');
  await command(page, 'Upload').click();
  await page.getByRole('menuitem', { name: 'Files…' }).click();
  await (await chooser).setFiles([plan!]);
  let question = page.getByRole('alertdialog', { name: 'A file with this name exists' });
  await expect(question).toContainText('plan.txt');
  await question.getByRole('button', { name: 'Keep both' }).click();
  await expect(transferRow(page, 'plan (1).txt')).toContainText('Uploaded as “plan (1).txt”');
  await expect(listingRow(page, 'plan (1).txt')).toBeVisible();

  // Two files: overwrite, applied to all.
  chooser = page.waitForEvent('filechooser');
  await command(page, 'Upload').click();
  await page.getByRole('menuitem', { name: 'Files…' }).click();
  await (await chooser).setFiles(second);
  question = page.getByRole('alertdialog', { name: 'A file with this name exists' });
  await question.getByRole('checkbox', { name: /^Apply to all conflicts in this upload/ }).check();
  await question.getByRole('button', { name: 'Overwrite' }).click();
  await expect(question).toBeHidden();
  await expect(transferRow(page, 'budget.csv')).toContainText('Uploaded, replaced the existing file');
  await expect(transferRow(page, 'notes.md')).toContainText('Uploaded, replaced the existing file');

  const read = async (name: string) =>
    (
      await api.raw('GET', `/api/v1/azure_blob/connections/${connection.id}/blobs/content`, {
        params: { container: 'conflicts', name },
      })
    ).text();
  expect(await read('plan.txt')).toBe('old plan\n');
  expect(await read('plan (1).txt')).toBe('new plan\n');
  expect(await read('budget.csv')).toBe('new budget\n');
  expect(await read('notes.md')).toBe('new notes\n');
});

test('files dropped onto the listing upload into the folder, with the drop zone announced', async ({
  page,
  api,
  connection,
}) => {
  await api.createContainer(connection.id, 'dropped');
  await signIn(page, api.credentials);
  await page.goto(folderPath(connection.id, 'dropped'));
  await expect(page.getByText('This container is empty')).toBeVisible();

  // A drag as the browser makes it from the desktop: a DataTransfer that carries files.
  const listingRegion = page.getByRole('region', { name: 'Listing' });
  const dataTransfer = await page.evaluateHandle(() => {
    const transfer = new DataTransfer();
    transfer.items.add(new File(['dropped one\n'], 'one.txt', { type: 'text/plain' }));
    transfer.items.add(new File(['dropped two\n'], 'two.txt', { type: 'text/plain' }));
    return transfer;
  });
  await listingRegion.dispatchEvent('dragenter', { dataTransfer });
  await expect(page.getByText('Drop files or folders to upload to dropped/')).toBeVisible();
  await listingRegion.dispatchEvent('dragover', { dataTransfer });
  await listingRegion.dispatchEvent('drop', { dataTransfer });
  await expect(page.getByText('Drop files or folders to upload to dropped/')).toBeHidden();

  for (const name of ['one.txt', 'two.txt']) await expect(transferRow(page, name)).toContainText('Uploaded');
  await expect(listingRow(page, 'one.txt')).toBeVisible();
  expect((await api.blobNames(connection.id, 'dropped')).sort()).toEqual(['one.txt', 'two.txt']);
});
