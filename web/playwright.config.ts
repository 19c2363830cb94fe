/// <reference types="node" />
// End-to-end tests of the web console against the real server and a real storage emulator,
// both started by e2e/global-setup.ts on free loopback ports. Needs web/dist (npx vite build),
// the server binary (../build/cerulean or CERULEAN_BIN) and Debian's chromium (/usr/bin/chromium;
// never `playwright install`).

import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './e2e/global-setup.ts',
  outputDir: join(tmpdir(), 'cerulean-e2e-results'),
  fullyParallel: false,
  workers: 1, // two cores, shared with the server and Azurite
  retries: 0,
  reporter: 'list',
  forbidOnly: true,
  timeout: 60_000,
  globalTimeout: 8 * 60_000,
  expect: { timeout: 10_000 },
  use: {
    headless: true,
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    locale: 'en-US',
    timezoneId: 'UTC',
    acceptDownloads: true,
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
