/// <reference types="node" />
// Starts a fresh Azurite and `cerulean serve` for the whole run (see support/stack.mjs) and hands
// their addresses to the tests through the environment; the returned function is the teardown.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import type { FullConfig } from '@playwright/test';

import { startStack, webDir } from './support/stack.mjs';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Says so when web/dist is older than the sources: the tests would run yesterday's UI. */
function warnIfStale(): void {
  if (process.env.CERULEAN_E2E_WEB_ROOT) return;
  try {
    const built = statSync(join(webDir, 'dist', 'index.html')).mtimeMs;
    const source = newestMtime(join(webDir, 'src'));
    if (source > built) {
      console.warn(
        `[e2e] warning: web/src changed after web/dist was built; rebuild first: cd ${webDir} && npx vite build`,
      );
    }
  } catch {
    // startStack says what is missing.
  }
}

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  warnIfStale();
  // Tests share devstoreaccount1 (each with containers of its own names); the screenshots and
  // the empty-account check get accounts nobody else writes to.
  const stack = await startStack({
    log: (line) => console.log(`[e2e] ${line}`),
    accounts: ['screenshots', 'emptyaccount'],
  });
  process.env.CERULEAN_E2E_BASE_URL = stack.baseURL;
  process.env.CERULEAN_E2E_EMULATOR = stack.emulatorEndpoint;
  process.env.CERULEAN_E2E_SERVER_LOG = stack.serverLog;
  process.env.CERULEAN_E2E_SYNC_ROOT = stack.syncRoot;
  process.env.CERULEAN_E2E_ACCOUNTS = JSON.stringify(stack.accounts);
  return async () => {
    await stack.stop();
  };
}
