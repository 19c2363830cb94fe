/// <reference types="node" />
// Sync jobs in the browser, against the real server (its in-process workers run the jobs) and
// Azurite: a download made in the form lands in the server's sync folder and its counts show
// in the history; a copy between two containers; a job that deletes shows its plan before it is
// created and before a run that would delete, and deletes only what the plan said; a run
// followed live and cancelled; a job deleted. Axe and the phone width on the way.

import { existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Locator, Page } from '@playwright/test';

import { uniqueSuffix, type Api } from './support/api';
import { expectNoSeriousA11yViolations } from './support/axe';
import { expect, signIn, test } from './support/fixtures';
import { patternBytes, writeTree } from './support/files';

/** A job's card in the list, by its ends ("docs/reports/ to team-a/reports"). */
function jobCard(page: Page, direction: 'Download' | 'Upload' | 'Copy', from: string, to: string): Locator {
  return page.getByRole('list', { name: 'Sync jobs' }).getByRole('group', { name: `${direction} ${from} to ${to}` });
}

/** The rows of the run history (newest first), without the header. */
function historyRows(page: Page): Locator {
  return page
    .getByRole('table', { name: 'Runs' })
    .getByRole('row')
    .filter({ hasNot: page.getByRole('columnheader') });
}

async function openSyncJobs(page: Page, api: Api, connectionName: string): Promise<void> {
  await signIn(page, api.credentials);
  await page.goto('/connections');
  // The connection's own entry to its sync jobs.
  await page.getByRole('button', { name: `Sync jobs of ${connectionName}` }).click();
  await expect(page.getByRole('heading', { name: 'Sync jobs', level: 1 })).toBeVisible();
}

async function expectNoHorizontalScroll(page: Page, what: string): Promise<void> {
  const sizes = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect.soft(sizes.scrollWidth, `${what}: wider than the screen`).toBeLessThanOrEqual(sizes.innerWidth);
}

test('a download job: made in the form, its files on the server, its counts in the history', async ({
  page,
  api,
  connection,
  syncRoot,
}) => {
  const container = `sync-dl-${uniqueSuffix()}`;
  const local = `dl-${uniqueSuffix()}`;
  await api.createContainer(connection.id, container);
  await api.putBlob(connection.id, container, 'reports/a.csv', 'a,1\n', 'text/csv');
  await api.putBlob(connection.id, container, 'reports/b.csv', 'b,22\n', 'text/csv');
  await api.putBlob(connection.id, container, 'reports/q1/c.csv', 'c,333\n', 'text/csv');
  await api.putBlob(connection.id, container, 'other.txt', 'not in the folder\n', 'text/plain');

  await openSyncJobs(page, api, connection.name);
  await expect(page.getByRole('heading', { name: 'No sync jobs yet' })).toBeVisible();
  await expectNoSeriousA11yViolations(page, 'the empty sync jobs page', { soft: true });
  await page.getByRole('button', { name: 'New sync job' }).click();

  const form = page.getByRole('dialog', { name: 'New sync job' });
  await expect(form).toBeVisible();
  await expect(form.getByRole('radio', { name: /^Download/ })).toBeChecked();
  await expectNoSeriousA11yViolations(page, 'the sync job form', { soft: true });
  const from = form.getByRole('group', { name: 'From' });
  await from.getByRole('combobox', { name: /Container/ }).click();
  await page.getByRole('option', { name: container }).click();
  await from.getByLabel('Folder', { exact: true }).fill('reports');
  await form.getByRole('group', { name: 'To' }).getByLabel('Folder on the server').fill(local);
  await form.getByRole('button', { name: 'Create job' }).click();
  await expect(form).toBeHidden();
  await expect(page.getByText(/^Created the job .*; its first run is queued\.$/)).toBeVisible();

  const card = jobCard(page, 'Download', `${container}/reports/`, local);
  await expect(card.getByText('Succeeded')).toBeVisible({ timeout: 30_000 });
  await expect(card).toContainText('3 downloaded');
  await expectNoSeriousA11yViolations(page, 'the sync jobs list', { soft: true });

  // The folder's files, under the server's sync folder, with the prefix stripped; nothing else.
  const root = join(syncRoot, local);
  expect(readFileSync(join(root, 'a.csv'), 'utf8')).toBe('a,1\n');
  expect(readFileSync(join(root, 'b.csv'), 'utf8')).toBe('b,22\n');
  expect(readFileSync(join(root, 'q1', 'c.csv'), 'utf8')).toBe('c,333\n');
  expect(existsSync(join(root, 'other.txt'))).toBe(false);

  await card.getByRole('link', { name: /^History of / }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`${container}/reports/`);
  await expect(historyRows(page)).toHaveCount(1);
  await expect(historyRows(page).first()).toContainText('Job creation');
  await expect(historyRows(page).first()).toContainText('Succeeded');
  await expect(historyRows(page).first()).toContainText('3 downloaded');

  // Again: nothing changed, nothing is transferred.
  await page.getByRole('button', { name: 'Run now' }).click();
  await expect(historyRows(page)).toHaveCount(2);
  await expect(historyRows(page).first()).toContainText('Run now');
  await expect(historyRows(page).first()).toContainText('0 downloaded, 3 up to date', { timeout: 30_000 });
  await expectNoSeriousA11yViolations(page, 'a sync job’s page', { soft: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByRole('list', { name: 'Runs' })).toBeVisible();
  await expectNoHorizontalScroll(page, 'a sync job’s page at 390 px');
  await page.goto(`/sync/${connection.id}`);
  await expect(card).toBeVisible();
  await expectNoHorizontalScroll(page, 'the sync jobs at 390 px');
});

test('a copy job between two containers', async ({ page, api, connection }) => {
  const source = `sync-src-${uniqueSuffix()}`;
  const target = `sync-dst-${uniqueSuffix()}`;
  await api.createContainer(connection.id, source);
  await api.createContainer(connection.id, target);
  await api.putBlob(connection.id, source, 'a.txt', 'alpha\n', 'text/plain');
  await api.putBlob(connection.id, source, 'dir/b.txt', 'beta\n', 'text/plain');

  await openSyncJobs(page, api, connection.name);
  await page.getByRole('button', { name: 'New sync job' }).click();
  const form = page.getByRole('dialog', { name: 'New sync job' });
  await form.getByRole('radio', { name: /^Copy/ }).check();
  await form
    .getByRole('group', { name: 'From' })
    .getByRole('combobox', { name: /Container/ })
    .fill(source);
  const to = form.getByRole('group', { name: 'To' });
  await expect(to.getByRole('combobox', { name: /Connection/ })).toHaveValue(String(connection.id));
  await to.getByRole('combobox', { name: /Container/ }).fill(target);
  await to.getByLabel('Folder', { exact: true }).fill('mirror');
  await form.getByRole('button', { name: 'Create job' }).click();
  await expect(form).toBeHidden();

  const card = jobCard(page, 'Copy', `${source}/`, `${target}/mirror/`);
  await expect(card.getByText('Succeeded')).toBeVisible({ timeout: 30_000 });
  await expect(card).toContainText('2 copied');
  expect((await api.blobNames(connection.id, target)).sort()).toEqual(['mirror/a.txt', 'mirror/dir/b.txt']);
  // The source is left as it was.
  expect((await api.blobNames(connection.id, source)).sort()).toEqual(['a.txt', 'dir/b.txt']);
});

test('a job that deletes shows its plan before it is created, and before a run that would delete', async ({
  page,
  api,
  connection,
  syncRoot,
}) => {
  const container = `sync-del-${uniqueSuffix()}`;
  const local = `mirror-${uniqueSuffix()}`;
  await api.createContainer(connection.id, container);
  await api.putBlob(connection.id, container, 'a.txt', 'alpha\n', 'text/plain');
  await api.putBlob(connection.id, container, 'b.txt', 'beta\n', 'text/plain');
  const root = join(syncRoot, local);
  writeTree(root, { 'extra1.txt': 'only here\n', 'extra2.txt': 'and here\n' });

  await openSyncJobs(page, api, connection.name);
  await page.getByRole('button', { name: 'New sync job' }).click();
  const form = page.getByRole('dialog', { name: 'New sync job' });
  await form
    .getByRole('group', { name: 'From' })
    .getByRole('combobox', { name: /Container/ })
    .fill(container);
  await form.getByRole('group', { name: 'To' }).getByLabel('Folder on the server').fill(local);
  await form.getByRole('checkbox', { name: 'Delete items that are not in the source' }).check();
  await form.getByLabel('Most deletes per run').fill('1');
  await form.getByRole('button', { name: 'Create job' }).click();

  // Its plan first, over the drawer: two deletes are more than its limit of one. Cancel creates nothing.
  let review = page.getByRole('alertdialog', { name: 'Review before creating' });
  await expect(review).toContainText('more than 1 item deletes nothing and fails');
  await expect(review.getByText('The run would delete nothing and fail')).toBeVisible({ timeout: 30_000 });
  await expect(review.getByRole('list', { name: /actions?$/ })).toContainText('extra1.txt');
  await expect(review.getByRole('list', { name: /actions?$/ })).toContainText('extra2.txt');
  await expectNoSeriousA11yViolations(page, 'the plan before creating a job that deletes', { soft: true });
  await review.getByRole('button', { name: 'Cancel' }).click();
  await expect(review).toBeHidden();
  // Back in the form, which is usable again (not left hidden behind the closed dialog).
  await expect(form.getByRole('button', { name: 'Create job' })).toBeFocused();
  expect(await api.syncJobs(connection.id)).toEqual([]);

  // The plan checks the job as a create does: a folder leading outside the sync folder (through
  // a symlink only the server can see) is refused on its field, and what was typed stays.
  const outside = `out-${uniqueSuffix()}`;
  symlinkSync(tmpdir(), join(syncRoot, outside));
  const localField = form.getByRole('group', { name: 'To' }).getByLabel('Folder on the server');
  await localField.fill(outside);
  await form.getByRole('button', { name: 'Create job' }).click();
  await expect(form.getByText(/outside the sync root/i)).toBeVisible({ timeout: 30_000 });
  await expect(review).toBeHidden();
  await expect(localField).toBeFocused();
  await expect(localField).toHaveValue(outside);
  await localField.fill(local);

  await form.getByRole('button', { name: 'Create job' }).click();
  review = page.getByRole('alertdialog', { name: 'Review before creating' });
  await review.getByRole('button', { name: 'Create anyway' }).click({ timeout: 30_000 });
  await expect(form).toBeHidden();

  // Two deletes are more than its limit of one: the run deletes nothing and fails, and says why.
  const card = jobCard(page, 'Download', `${container}/`, local);
  await expect(card.getByText('Failed')).toBeVisible({ timeout: 30_000 });
  await expect(card).toContainText('too_many_deletes');
  expect(existsSync(join(root, 'extra1.txt')) && existsSync(join(root, 'extra2.txt'))).toBe(true);

  // It has not completed a run: Run now shows the plan first, and Cancel runs nothing.
  await card.getByRole('button', { name: /^Run now: / }).click();
  let plan = page.getByRole('alertdialog', { name: 'Review before running' });
  await expect(plan.getByText('The run would delete nothing and fail')).toBeVisible({ timeout: 30_000 });
  await expect(plan.getByRole('list', { name: /actions?$/ })).toContainText('extra1.txt');
  await expect(plan.getByRole('list', { name: /actions?$/ })).toContainText('extra2.txt');
  await expectNoSeriousA11yViolations(page, 'the plan dialog', { soft: true });
  await plan.getByRole('button', { name: 'Cancel' }).click();
  await expect(plan).toBeHidden();
  const [job] = await api.syncJobs(connection.id);
  expect(await api.syncRuns(connection.id, job!.id)).toHaveLength(1);

  // Within the limit now: the plan says what goes, and the run deletes just that.
  rmSync(join(root, 'extra2.txt'));
  await card.getByRole('button', { name: /^Run now: / }).click();
  plan = page.getByRole('alertdialog', { name: 'Review before running' });
  const runAndDelete = plan.getByRole('button', { name: 'Run and delete 1 item' });
  await expect(runAndDelete).toBeVisible({ timeout: 30_000 });
  await expect(plan.getByRole('list', { name: /actions?$/ })).toContainText('extra1.txt');
  await runAndDelete.click();
  await expect(plan).toBeHidden();
  await expect(card.getByText('Succeeded')).toBeVisible({ timeout: 30_000 });
  await expect(card).toContainText('1 deleted');
  expect(existsSync(join(root, 'extra1.txt'))).toBe(false);
  expect(readFileSync(join(root, 'a.txt'), 'utf8')).toBe('alpha\n');
  expect(await api.syncRuns(connection.id, job!.id)).toHaveLength(2);
});

test('a run followed live, then cancelled; then the job deleted', async ({ page, api, connection, syncRoot }) => {
  test.setTimeout(120_000);
  const container = `sync-big-${uniqueSuffix()}`;
  const local = `big-${uniqueSuffix()}`;
  await api.createContainer(connection.id, container);
  // A job whose first run has nothing to do yet.
  const job = await api.createSyncJob(connection.id, { direction: 'download', container, local_path: local });
  // Then enough to take a few seconds to download: one blob, copied inside the account.
  const size = 64 * 1024 * 1024;
  await api.putBlob(connection.id, container, 'take-0.bin', patternBytes(size));
  for (let i = 1; i < 12; i++) await api.copyBlob(connection.id, container, 'take-0.bin', `take-${i}.bin`);

  await openSyncJobs(page, api, connection.name);
  const card = jobCard(page, 'Download', `${container}/`, local);
  await expect(card.getByText('Succeeded')).toBeVisible({ timeout: 30_000 });
  await card.getByRole('button', { name: /^Run now: / }).click();

  // Live: the events stream moves the bar without a reload.
  await expect(card.getByRole('progressbar', { name: /^Progress of / })).toBeVisible();
  await expect(card.getByText('Running')).toBeVisible({ timeout: 30_000 });
  await card.getByRole('button', { name: /^Cancel run: / }).click();
  await expect(card.getByText('Cancelled')).toBeVisible({ timeout: 30_000 });
  const runs = await api.syncRuns(connection.id, job.id);
  expect(runs[0]).toMatchObject({ status: 'cancelled', trigger: 'manual' });
  // What a cancelled run leaves are whole files only, never a partial one under its final name.
  const root = join(syncRoot, local);
  const files = existsSync(root) ? readdirSync(root) : [];
  for (const name of files.filter((f) => f.endsWith('.bin'))) expect(statSync(join(root, name)).size).toBe(size);

  await card.getByRole('button', { name: /^Delete the job / }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Delete this sync job?' });
  await expect(confirm).toContainText('What was already downloaded stays where it is');
  await confirm.getByRole('button', { name: 'Delete job' }).click();
  await expect(confirm).toBeHidden();
  await expect(card).toBeHidden();
  await expect(page.getByRole('heading', { name: 'No sync jobs yet' })).toBeVisible();
  expect(await api.syncJobs(connection.id)).toEqual([]);
});
