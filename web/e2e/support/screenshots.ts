/// <reference types="node" />
// Screenshots of the main pages. `make screenshots` (CERULEAN_SCREENSHOT_DIR=docs/screenshots)
// refreshes the committed ones the README shows; an ordinary run (make test) writes them under
// the build's temp folder, so that a test run never changes tracked files (ports, times and
// SAS signatures differ on every run).

import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Page } from '@playwright/test';

import { repoRoot } from './stack.mjs';

export const screenshotDir = process.env.CERULEAN_SCREENSHOT_DIR
  ? join(repoRoot, process.env.CERULEAN_SCREENSHOT_DIR)
  : join(tmpdir(), 'cerulean-e2e-screenshots');

/** Saves the viewport as docs/screenshots/{name}.png, once fonts and animations have settled. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.evaluate(() => document.fonts.ready);
  // No hover highlight left where the last click was: rest the pointer on the page's bottom-left corner.
  const viewport = page.viewportSize();
  if (viewport) await page.mouse.move(1, viewport.height - 1);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  return path;
}
