// Screenshots of the main pages for the README (make screenshots refreshes docs/screenshots/):
// 1280x800 light, two in dark, and the phone width (390x844). Realistic content, arranged through
// the API; the uploads and the share link go through the UI as a user would.

import { join } from 'node:path';

import type { Page } from '@playwright/test';

import { Api, type SyncJob } from './support/api';
import { expect, folderPath, listingRow, signIn, test, command } from './support/fixtures';
import { makePng, patternBytes, writeTree } from './support/files';
import { saveScreenshot } from './support/screenshots';

test.describe.configure({ mode: 'serial' });

const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

async function settle(page: Page) {
  // No skeleton or spinner left on screen; if one stays, the screenshot shows it and the log says so.
  await expect(page.locator('.fui-Skeleton, .fui-Spinner'))
    .toHaveCount(0, { timeout: 15_000 })
    .catch(() => console.log(`[screenshots] still loading after 15 s on ${page.url()}`));
}

/** Waits until none of the connection's sync jobs is queued or running, and returns them. */
async function settledJobs(api: Api, connectionId: number): Promise<SyncJob[]> {
  let jobs: SyncJob[] = [];
  await expect
    .poll(
      async () => {
        jobs = await api.syncJobs(connectionId);
        return jobs.filter((j) => j.status === 'queued' || j.status === 'running').length;
      },
      { timeout: 60_000 },
    )
    .toBe(0);
  return jobs;
}

test('screenshots of the main pages', async ({ page, request, emulator, accounts, syncRoot }, testInfo) => {
  test.setTimeout(240_000);
  await page.setViewportSize(desktop);

  // Sign-in, before any account exists in this browser.
  await page.goto('/sign-in');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await saveScreenshot(page, 'sign-in');

  // An account with a name, a production-like connection that is never contacted, and the
  // local emulator added through the form.
  const api = await Api.newUser(request, { email: `ada-${Date.now()}@example.com`, password: 'correct horse battery' });
  await api.raw('PATCH', '/api/v1/users/me', { data: { full_name: 'Ada Lovelace' } });
  await api.raw('POST', '/api/v1/azure_blob/connections', {
    data: {
      name: 'Production (West Europe)',
      auth_type: 'account_key',
      account_name: 'contosoprodweu',
      credentials: { account_key: Buffer.alloc(64, 3).toString('base64') },
      container_name: 'invoices',
    },
  });
  await signIn(page, api.credentials);
  // Browsing goes through "Design team", an Azurite account of its own made through the API:
  // what the screenshots show depends neither on the other tests nor on the form's "Add local
  // emulator" (connections.spec.ts tests that).
  const id = (await api.emulatorConnection(accounts.screenshots!.endpoint, 'Design team', accounts.screenshots)).id;
  await page.goto('/connections');
  await page.getByRole('button', { name: 'Add local emulator' }).click();
  const form = page.getByRole('dialog', { name: 'Add connection' });
  await expect(form.getByLabel(/^Endpoint/)).toHaveValue(emulator);
  await settle(page);
  await saveScreenshot(page, 'connection-form');
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(form).toBeHidden();
  await expect(page.getByRole('row', { name: 'Test result for Local emulator' })).toBeVisible({ timeout: 20_000 });
  await saveScreenshot(page, 'connections');

  // Containers with content.
  for (const name of ['design-assets', 'backups', 'logs-2026', 'public-web']) await api.createContainer(id, name);
  await api.putBlob(id, 'design-assets', 'brand/logo-primary.png', makePng(320, 200), 'image/png');
  await api.putBlob(id, 'design-assets', 'brand/logo-mono.png', makePng(160, 100), 'image/png');
  await api.putBlob(id, 'design-assets', 'campaigns/spring/hero.png', makePng(640, 360), 'image/png');
  await api.putBlob(id, 'design-assets', 'photos/office/desk.png', makePng(400, 300), 'image/png');
  await api.putBlob(id, 'design-assets', 'banner-2026.png', makePng(960, 540), 'image/png');
  await api.putBlob(
    id,
    'design-assets',
    'brand-guidelines-2026-final-approved-by-marketing.pdf',
    patternBytes(2_500_000),
    'application/pdf',
  );
  await api.putBlob(
    id,
    'design-assets',
    'colors.json',
    JSON.stringify({ primary: '#0f6cbd', accent: '#c50f1f' }, null, 2),
    'application/json',
  );
  await api.putBlob(
    id,
    'design-assets',
    'README.md',
    '# Design assets\n\nLogos, campaign images and photos.\n',
    'text/markdown',
  );
  await api.putBlob(id, 'design-assets', 'fonts.zip', patternBytes(7_340_032), 'application/zip');

  await page.goto(`/c/${id}`);
  await expect(
    page.getByRole('table', { name: 'Containers' }).getByRole('link', { name: 'design-assets' }),
  ).toBeVisible();
  await settle(page);
  await saveScreenshot(page, 'containers');

  await page.goto(folderPath(id, 'design-assets'));
  await expect(listingRow(page, 'banner-2026.png')).toBeVisible();
  await settle(page);
  await saveScreenshot(page, 'browse');

  // Properties with an image preview.
  await listingRow(page, 'banner-2026.png').getByRole('link', { name: 'banner-2026.png' }).click();
  const preview = page.getByRole('img', { name: 'Preview of banner-2026.png' });
  await expect.poll(() => preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(960);
  await settle(page);
  await saveScreenshot(page, 'properties-image');

  // The share dialog with a link made.
  await page
    .getByRole('complementary', { name: 'Properties of banner-2026.png' })
    .getByRole('button', { name: 'Share', exact: true })
    .click();
  const share = page.getByRole('dialog', { name: 'Share link' });
  await share.getByRole('radio', { name: '1 day' }).check();
  await share.getByRole('button', { name: 'Create link' }).click();
  await expect(share.getByRole('textbox', { name: 'Link' })).toHaveValue(/^http/);
  await saveScreenshot(page, 'share-link');
  await share.getByRole('button', { name: 'Close' }).click();

  // Dark theme: the same folder and pane.
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(preview).toBeVisible();
  await saveScreenshot(page, 'dark-properties-image');
  await page.emulateMedia({ colorScheme: 'light' });

  // Uploads through the UI, finished in the transfer panel.
  await page.goto(folderPath(id, 'design-assets', 'campaigns/spring/'));
  await expect(listingRow(page, 'hero.png')).toBeVisible();
  const files = writeTree(testInfo.outputPath('uploads'), {
    'press-release.txt': 'Cerulean launches.\n'.repeat(2000),
    'social-card.png': makePng(1200, 630),
    'budget-q2.csv': 'item,amount\nprint,1200\nonline,3400\n'.repeat(500),
  });
  const chooser = page.waitForEvent('filechooser');
  await command(page, 'Upload').click();
  await page.getByRole('menuitem', { name: 'Files…' }).click();
  await (await chooser).setFiles(files);
  await expect(page.getByRole('region', { name: 'Transfers' })).toContainText('3 done');
  await expect(listingRow(page, 'social-card.png')).toBeVisible();
  await settle(page);
  await saveScreenshot(page, 'transfers');

  // Sync jobs in several states, arranged through the API: a download run twice, a daily copy
  // to another container, one stopped by its delete limit, one cancelled.
  await api.createContainer(id, 'render-cache');
  await api.putBlob(id, 'render-cache', 'frames-0001.bin', patternBytes(16 * 1024 * 1024));
  for (let i = 2; i <= 8; i++) {
    await api.copyBlob(id, 'render-cache', 'frames-0001.bin', `frames-000${i}.bin`);
  }
  const brand = await api.createSyncJob(id, {
    direction: 'download',
    container: 'design-assets',
    prefix: 'brand/',
    local_path: 'design/brand',
  });
  await api.createSyncJob(id, {
    direction: 'copy',
    container: 'design-assets',
    target: { connection_id: id, container: 'backups', prefix: 'design-assets/' },
    interval_seconds: 86_400,
  });
  writeTree(join(syncRoot, 'design', 'site'), {
    'old-banner.png': 'x',
    'draft-2025.psd': 'x',
    'notes.txt': 'x',
  });
  await api.createSyncJob(id, {
    direction: 'download',
    container: 'design-assets',
    local_path: 'design/site',
    delete_extraneous: true,
    max_delete: 2,
  });
  const renders = await api.createSyncJob(id, {
    direction: 'download',
    container: 'render-cache',
    local_path: 'renders',
  });
  // Cancelled while it downloads (a 409 would mean it already ended: the picture shows that instead).
  await api.raw('POST', `/api/v1/azure_blob/connections/${id}/sync_jobs/${renders.id}/cancel`);
  await settledJobs(api, id);
  await api.raw('POST', `/api/v1/azure_blob/connections/${id}/sync_jobs/${brand.id}/run`);
  await settledJobs(api, id);

  await page.goto(`/sync/${id}`);
  await expect(page.getByRole('list', { name: 'Sync jobs' }).getByRole('group')).toHaveCount(4);
  await settle(page);
  await saveScreenshot(page, 'sync-jobs');

  await page.goto(`/sync/${id}/${brand.id}`);
  await expect(page.getByRole('table', { name: 'Runs' }).getByRole('row')).toHaveCount(3);
  await settle(page);
  await saveScreenshot(page, 'sync-job');

  // The audit log of all that: sign-ins, connections, the share link, the jobs and their runs.
  await page.goto('/activity');
  await expect(page.getByRole('table', { name: 'Events' })).toBeVisible();
  await settle(page);
  await saveScreenshot(page, 'activity');

  // Dark: the containers page.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(folderPath(id, 'design-assets'));
  await expect(listingRow(page, 'banner-2026.png')).toBeVisible();
  await settle(page);
  await saveScreenshot(page, 'dark-browse');
  await page.emulateMedia({ colorScheme: 'light' });

  // Phone width: the folder, the pane, the drawer, the connections.
  await page.setViewportSize(phone);
  await page.goto(folderPath(id, 'design-assets'));
  await expect(listingRow(page, 'banner-2026.png')).toBeVisible();
  await settle(page);
  await saveScreenshot(page, 'phone-browse');

  await listingRow(page, 'colors.json').getByRole('link', { name: 'colors.json' }).click();
  await expect(page.getByRole('complementary', { name: 'Properties of colors.json' })).toBeVisible();
  await settle(page);
  await saveScreenshot(page, 'phone-properties');
  await page.goBack();

  await page.getByRole('button', { name: 'Open navigation' }).click();
  await expect(page.getByRole('button', { name: 'Close navigation' })).toBeVisible();
  await saveScreenshot(page, 'phone-drawer');
  await page.getByRole('button', { name: 'Close navigation' }).click();

  await page.goto('/connections');
  await expect(page.getByRole('list', { name: 'Connections' })).toBeVisible();
  await settle(page);
  await saveScreenshot(page, 'phone-connections');

  await page.goto(`/sync/${id}`);
  await expect(page.getByRole('list', { name: 'Sync jobs' }).getByRole('group')).toHaveCount(4);
  await settle(page);
  await saveScreenshot(page, 'phone-sync-jobs');

  await page.goto('/activity');
  await expect(page.getByRole('list', { name: 'Events' })).toBeVisible();
  await settle(page);
  await saveScreenshot(page, 'phone-activity');

  await page.context().clearCookies();
  await page.evaluate(() => localStorage.clear());
  await page.goto('/sign-in');
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await saveScreenshot(page, 'phone-sign-in');
});
