/// <reference types="node" />
// The tests' fixtures: the server started by global-setup.ts, a fresh user per test (through the
// API), that user's connection to the run's Azurite, and a page that fails its test on any
// Content-Security-Policy violation (the server's CSP must let the real UI work).

import { readFileSync } from 'node:fs';

import { test as base, expect, type Page } from '@playwright/test';

import { Api, type ConnectionRead, type Credentials } from './api';
import type { EmulatorAccount } from './stack.mjs';

function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(
      `${name} is not set: run the tests through playwright.config.ts (its global setup starts the server)`,
    );
  return value;
}

interface Fixtures {
  /** Azurite's blob endpoint with the account, e.g. http://127.0.0.1:41235/devstoreaccount1 */
  emulator: string;
  /** A fresh, registered user, signed in through the API. */
  api: Api;
  /** A connection of that user to the run's Azurite (account name + key). */
  connection: ConnectionRead;
  /** Extra, empty Azurite accounts by name ("screenshots", "emptyaccount"). */
  accounts: Record<string, EmulatorAccount>;
  /** The server's sync root (CERULEAN_SYNC_ROOT): sync jobs' local folders are under it. */
  syncRoot: string;
}

export const test = base.extend<Fixtures>({
  baseURL: async ({}, use) => {
    await use(required('CERULEAN_E2E_BASE_URL'));
  },
  emulator: async ({}, use) => {
    await use(required('CERULEAN_E2E_EMULATOR'));
  },
  api: async ({ request }, use) => {
    await use(await Api.newUser(request));
  },
  connection: async ({ api, emulator }, use) => {
    await use(await api.emulatorConnection(emulator));
  },
  syncRoot: async ({}, use) => {
    await use(required('CERULEAN_E2E_SYNC_ROOT'));
  },
  accounts: async ({}, use) => {
    const list = JSON.parse(required('CERULEAN_E2E_ACCOUNTS')) as EmulatorAccount[];
    await use(Object.fromEntries(list.map((a) => [a.name, a])));
  },
  page: async ({ page }, use, testInfo) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
        violations.push(message.text());
    });
    page.on('pageerror', (error) => {
      console.log(`[page error] ${testInfo.title}: ${error.name}: ${error.message}`);
    });
    await use(page);
    if (testInfo.status !== testInfo.expectedStatus && process.env.CERULEAN_E2E_SERVER_LOG) {
      // The server's side of a failure: the end of its log.
      try {
        const lines = readFileSync(process.env.CERULEAN_E2E_SERVER_LOG, 'utf8').split('\n');
        await testInfo.attach('server log (last 80 lines)', {
          body: lines.slice(-80).join('\n'),
          contentType: 'text/plain',
        });
      } catch {
        // no log
      }
    }
    expect(violations, 'the page broke no Content-Security-Policy rule').toEqual([]);
  },
});

export { expect };

/** Signs in through the sign-in page, as a user does, and waits to leave it. */
export async function signIn(page: Page, credentials: Credentials, path: string | null = '/sign-in'): Promise<void> {
  if (path) await page.goto(path);
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel(/^Password/).fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/sign-in/);
}

/** The URL path of a folder in the browser: /c/{id}/{container}/{prefix} (each segment encoded). */
export function folderPath(connectionId: number, container: string, prefix = ''): string {
  const encoded = prefix ? prefix.split('/').map(encodeURIComponent).join('/') : '';
  return `/c/${connectionId}/${encodeURIComponent(container)}/${encoded}`;
}

/** The listing of the folder on screen (a grid named "Contents of container/prefix"). */
export function listing(page: Page) {
  return page.getByRole('grid', { name: /^Contents of / });
}

/** A row of the listing, by the name it shows (a folder's without its "/"). */
export function listingRow(page: Page, label: string) {
  return listing(page)
    .getByRole('row')
    .filter({ has: page.getByRole('link', { name: label, exact: true }) });
}

/** The transfer panel's row of one file. */
export function transferRow(page: Page, fileName: string) {
  return page
    .getByRole('region', { name: 'Transfers' })
    .getByRole('listitem')
    .filter({ has: page.getByText(fileName, { exact: true }) });
}

/** The folder command bar's button (not the properties pane's one of the same name). */
export function command(page: Page, name: string) {
  return page.getByRole('toolbar', { name: 'Folder actions' }).getByRole('button', { name, exact: true });
}
