#!/usr/bin/env node
// The web console's benchmark (issue 11): prints, never asserts.
//   (a) the JavaScript the first page (/sign-in) loads, gzipped, against the goal of 300 KiB;
//   (b) the time from opening a 10,000-blob folder's URL to its first rows, median of 5
//       (cold: a new browser context each time; warm: reloads), against the goal of 1 s;
//   (c) the page's JS heap before and after scrolling to the end of those 10,000 rows.
// Starts its own Azurite and `cerulean serve` (web/e2e/support/stack.mjs, as the E2E tests do),
// drives Debian's chromium with web/'s Playwright. Run from the repository's root:
//   (cd web && npx vite build) && node bench/web/run.mjs
// Env: CERULEAN_BIN (server binary, default build/cerulean), BENCH_BLOBS (default 10000),
//      BENCH_RUNS (default 5), CHROMIUM_PATH (default /usr/bin/chromium).

import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { emulatorAccount, startStack, webDir } from '../../web/e2e/support/stack.mjs';
import { blobService } from './shared-key.mjs';

const require = createRequire(join(webDir, 'package.json'));
const { chromium } = require('playwright-core');

const blobCount = Number(process.env.BENCH_BLOBS ?? 10_000);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const container = 'bench';
const folder = 'many/';
const nameOf = (i) => `file-${String(i).padStart(5, '0')}.txt`;
const firstName = nameOf(0);
const lastName = nameOf(blobCount - 1);

const KiB = 1024;
const MiB = 1024 * 1024;
const fmtKiB = (n) => `${(n / KiB).toFixed(1)} KiB`;
const fmtMiB = (n) => `${(n / MiB).toFixed(1)} MiB`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

async function json(response, what) {
  if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

/** A user, its token and a connection to the run's Azurite, made through the API. */
async function arrangeUser(baseURL, emulatorEndpoint) {
  const credentials = { email: `bench-${Date.now()}@example.com`, password: 'benchmark password 1' };
  const post = (path, body, token) =>
    fetch(`${baseURL}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  await json(await post('/api/v1/auth/register', credentials), 'register');
  const { access_token: token } = await json(
    await post('/api/v1/auth/token', { username: credentials.email, password: credentials.password }),
    'token',
  );
  const connection = await json(
    await post(
      '/api/v1/azure_blob/connections',
      {
        name: 'Benchmark emulator',
        auth_type: 'account_key',
        account_name: emulatorAccount.name,
        endpoint: emulatorEndpoint,
        credentials: { account_key: emulatorAccount.key },
      },
      token,
    ),
    'create connection',
  );
  return { credentials, token, connection };
}

async function signIn(page, credentials) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel(/^Password/).fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

/** (a) Every script the sign-in page loads, with its size as sent and gzipped here. */
async function firstPageScripts(browser, baseURL) {
  const context = await browser.newContext({ baseURL });
  const page = await context.newPage();
  const scripts = [];
  page.on('response', (response) => {
    if (response.request().resourceType() === 'script') scripts.push(response);
  });
  await page.goto('/sign-in', { waitUntil: 'networkidle' });
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  const rows = [];
  for (const response of scripts) {
    const body = await response.body();
    rows.push({
      file: new URL(response.url()).pathname,
      raw: body.length,
      gzip: gzipSync(body, { level: 9 }).length,
      encoding: response.headers()['content-encoding'] ?? 'identity',
    });
  }
  await context.close();
  return rows;
}

/**
 * Opens the folder's URL in `page` and returns the ms until its first row is visible, and when
 * (ms from the start) the first listing request left and was answered.
 */
async function timeToFirstRow(page, path, navigate = (p) => page.goto(p, { waitUntil: 'commit' })) {
  const listing = { sent: null, answered: null };
  const isListing = (request) => /\/api\/v1\/azure_blob\/connections\/\d+\/blobs\?/.test(request.url()) && request.method() === 'GET';
  const onRequest = (request) => {
    if (isListing(request) && listing.sent === null) listing.sent = performance.now() - start;
  };
  const onFinished = (request) => {
    if (isListing(request) && listing.answered === null) listing.answered = performance.now() - start;
  };
  page.on('request', onRequest);
  page.on('requestfinished', onFinished);
  const start = performance.now();
  await navigate(path);
  await page.getByText(firstName, { exact: true }).first().waitFor({ state: 'visible', timeout: 30_000 });
  const total = performance.now() - start;
  page.off('request', onRequest);
  page.off('requestfinished', onFinished);
  return { total, ...listing };
}

/** The API alone: the first page the UI asks for (1,000 entries, delimiter "/"), through the server. */
async function apiFirstPage(baseURL, token, connectionId) {
  const url = `${baseURL}/api/v1/azure_blob/connections/${connectionId}/blobs?container=${container}&prefix=${encodeURIComponent(folder)}&delimiter=%2F&limit=1000`;
  const start = performance.now();
  const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  const body = await response.json();
  if (!response.ok) throw new Error(`listing: HTTP ${response.status}`);
  return { ms: performance.now() - start, items: body.items.length };
}

async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

/** Scrolls the listing's scrolling element to its end, loading pages, until the last row shows. */
async function scrollToEnd(page, cdp) {
  let peak = 0;
  const deadline = Date.now() + 180_000;
  const last = page.getByText(lastName, { exact: true });
  for (let step = 0; ; step++) {
    if (await last.isVisible()) break;
    if (Date.now() > deadline) throw new Error(`the last row (${lastName}) did not show within 180 s of scrolling`);
    const loadMore = page.getByRole('button', { name: /load more|show more/i });
    if (await loadMore.isVisible().catch(() => false)) await loadMore.click();
    const scrolled = await page.evaluate((first) => {
      // The scrolling element that holds the rows: the nearest scrollable ancestor of the first
      // row, found while it is shown and remembered (a virtualized list drops it later).
      let target = document.querySelector('[data-bench-scroller]');
      if (!target) {
        const row = [...document.querySelectorAll('*')].find((e) => e.childElementCount === 0 && e.textContent === first);
        let el = row?.parentElement ?? null;
        while (el && !(el.scrollHeight > el.clientHeight + 1 && /auto|scroll/.test(getComputedStyle(el).overflowY))) el = el.parentElement;
        target = el ?? document.scrollingElement;
        target.setAttribute('data-bench-scroller', '');
      }
      const before = target.scrollTop;
      target.scrollTop = before + target.clientHeight * 3;
      return { before, after: target.scrollTop, height: target.scrollHeight };
    }, firstName);
    // Let the virtualizer render and the next page arrive; the loop waits for states, not time.
    await page.waitForFunction(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))));
    if (scrolled.after === scrolled.before) await page.waitForTimeout(50); // at the end: a page is loading
    if (step % 10 === 0) peak = Math.max(peak, (await metrics(cdp)).JSHeapUsedSize);
  }
  return peak;
}

async function main() {
  const started = Date.now();
  const startLoad = loadavg().map((x) => x.toFixed(1)).join(' ');
  const stack = await startStack({ log });
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--enable-precise-memory-info'],
    });

    const errors = [];
    const part = async (name, fn) => {
      try {
        return await fn();
      } catch (error) {
        errors.push(`${name}: ${String(error?.message ?? error).split('\n')[0]}`);
        log(`${name} failed: ${error?.stack ?? error}`);
        return null;
      }
    };

    // (a)
    const scripts = (await part('(a) first page scripts', () => firstPageScripts(browser, stack.baseURL))) ?? [];
    const jsRaw = scripts.reduce((s, r) => s + r.raw, 0);
    const jsGzip = scripts.reduce((s, r) => s + r.gzip, 0);

    // Arrange the 10,000-blob folder straight in Azurite.
    const { credentials, token, connection } = await arrangeUser(stack.baseURL, stack.emulatorEndpoint);
    const service = blobService(stack.emulatorEndpoint, emulatorAccount.name, emulatorAccount.key);
    await service.createContainer(container);
    const t0 = Date.now();
    await service.putMany(container, Array.from({ length: blobCount }, (_, i) => folder + nameOf(i)), 32);
    service.close();
    log(`${blobCount} blobs put in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const folderPath = `/c/${connection.id}/${container}/${folder}`;

    const signInContext = await browser.newContext({ baseURL: stack.baseURL, viewport: { width: 1280, height: 800 } });
    await signIn(await signInContext.newPage(), credentials);
    const storageState = await signInContext.storageState();
    await signInContext.close();

    // (b) cold: a new context (empty cache) per run; warm: reloads of one page.
    const cold = [];
    const warm = [];
    const context = await browser.newContext({ baseURL: stack.baseURL, storageState, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const api = [];
    await part('(b) API first page', async () => {
      for (let i = 0; i < runs; i++) api.push(await apiFirstPage(stack.baseURL, token, connection.id));
    });
    await part('(b) time to first rows', async () => {
      for (let i = 0; i < runs; i++) {
        const fresh = await browser.newContext({ baseURL: stack.baseURL, storageState, viewport: { width: 1280, height: 800 } });
        cold.push(await timeToFirstRow(await fresh.newPage(), folderPath));
        await fresh.close();
      }
      await timeToFirstRow(page, folderPath);
      for (let i = 0; i < runs; i++) warm.push(await timeToFirstRow(page, folderPath, () => page.reload({ waitUntil: 'commit' })));
    });

    // (c) heap before and after scrolling through every row.
    const heap = await part('(c) heap while scrolling', async () => {
      if (!warm.length) throw new Error('the folder never showed its first rows');
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      await cdp.send('HeapProfiler.enable');
      await cdp.send('HeapProfiler.collectGarbage');
      const before = await metrics(cdp);
      const scrollStart = performance.now();
      const peak = await scrollToEnd(page, cdp);
      const scrollMs = performance.now() - scrollStart;
      const after = await metrics(cdp);
      await cdp.send('HeapProfiler.collectGarbage');
      const afterGc = await metrics(cdp);
      const rowsInDom = await page.locator('[role="row"]').count();
      return { before, after, afterGc, peak, scrollMs, rowsInDom };
    });
    await context.close();

    // Report
    const na = 'n/a';
    const goal = (ok) => (ok ? 'met' : 'MISSED');
    const out = [];
    out.push('');
    out.push(`Web console benchmark (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; chromium headless, ${blobCount} blobs, Azurite;`);
    out.push(`${cpus().length} CPUs, load average at start ${startLoad} and now ${loadavg().map((x) => x.toFixed(1)).join(' ')}: compare runs on a quiet machine only)`);
    out.push('');
    out.push('First page (/sign-in) scripts:');
    out.push('| file | as sent | gzip -9 | encoding on the wire |');
    out.push('|---|---:|---:|---|');
    for (const r of scripts) out.push(`| ${r.file} | ${fmtKiB(r.raw)} | ${fmtKiB(r.gzip)} | ${r.encoding} |`);
    out.push('');
    out.push('| measure | value | goal |');
    out.push('|---|---:|---|');
    out.push(`| (a) JS loaded by /sign-in, gzipped (${scripts.length} files, ${fmtKiB(jsRaw)} raw) | ${scripts.length ? fmtKiB(jsGzip) : na} | < 300 KiB ${scripts.length ? goal(jsGzip < 300 * KiB) : ''} |`);
    const ms = (xs) => `${median(xs).toFixed(0)} ms`;
    const phases = (runsOf) =>
      runsOf.every((r) => r.sent !== null && r.answered !== null)
        ? `listing request sent at ${ms(runsOf.map((r) => r.sent))}, answered at ${ms(runsOf.map((r) => r.answered))}`
        : 'listing request not seen';
    for (const [label, list] of [['cold (new context)', cold], ['warm (reload)', warm]]) {
      const totals = list.map((r) => r.total);
      out.push(`| (b) ${blobCount}-blob folder URL -> first row visible, ${label}, median of ${runs} | ${list.length === runs ? ms(totals) : na} | < 1 s ${list.length === runs ? goal(median(totals) < 1000) : ''} |`);
      out.push(`|     runs (ms): ${totals.map((x) => x.toFixed(0)).join(', ')}; ${list.length ? phases(list) : ''} | | |`);
    }
    if (api.length) out.push(`| (b) the API alone: first page (${api[0].items} entries, delimiter /), median of ${runs} | ${ms(api.map((r) => r.ms))} | |`);
    if (heap) {
      out.push(`| (c) JS heap used, first rows shown (after GC) | ${fmtMiB(heap.before.JSHeapUsedSize)} | |`);
      out.push(`| (c) JS heap used, peak while scrolling (sampled) | ${fmtMiB(Math.max(heap.peak, heap.after.JSHeapUsedSize))} | |`);
      out.push(`| (c) JS heap used, last row shown | ${fmtMiB(heap.after.JSHeapUsedSize)} | |`);
      out.push(`| (c) JS heap used, last row shown, after GC | ${fmtMiB(heap.afterGc.JSHeapUsedSize)} | |`);
      out.push(`| (c) DOM nodes, first rows / last row / last row after GC | ${heap.before.Nodes} / ${heap.after.Nodes} / ${heap.afterGc.Nodes} | |`);
      out.push(`| (c) rows in the DOM at the end (virtualized) | ${heap.rowsInDom} | |`);
      out.push(`| (c) time to scroll to the last row | ${(heap.scrollMs / 1000).toFixed(1)} s | |`);
    } else {
      out.push(`| (c) JS heap while scrolling | ${na} | |`);
    }
    if (errors.length) {
      out.push('');
      out.push('Not measured:');
      for (const e of errors) out.push(`- ${e}`);
    }
    out.push('');
    out.push(`Total ${((Date.now() - started) / 1000).toFixed(0)} s.`);
    console.log(out.join('\n'));
    writeRows({ scripts, jsRaw, jsGzip, cold, warm, api, heap, errors });
  } finally {
    await browser?.close();
    await stack.stop();
  }
}

/**
 * `make bench`'s rows (bench/common.py's format: every run of each measure, its unit, lower is
 * better) to $BENCH_JSON (default /tmp/cerulean-bench-web.json). No peer runs the same page.
 */
function writeRows({ scripts, jsRaw, jsGzip, cold, warm, api, heap, errors }) {
  const rows = [];
  const add = (task, unit, runsOf, notes) => {
    if (runsOf.length) rows.push({ task, unit, higher_is_better: false, values: { cerulean: runsOf }, ...(notes ? { notes } : {}) });
  };
  if (scripts.length) add('JS loaded by /sign-in, gzipped', 'KiB', [jsGzip / KiB], `goal < 300 KiB; ${scripts.length} files, ${fmtKiB(jsRaw)} raw`);
  add(`${blobCount}-blob folder: URL to first row, cold`, 'ms', cold.map((r) => r.total), 'goal < 1 s; a new browser context each run');
  add(`${blobCount}-blob folder: URL to first row, warm`, 'ms', warm.map((r) => r.total), 'goal < 1 s; reloads');
  add(`the API alone: first page (${api[0]?.items ?? 0} entries)`, 'ms', api.map((r) => r.ms));
  if (heap) {
    add('JS heap used, peak while scrolling to the last row', 'MiB', [Math.max(heap.peak, heap.after.JSHeapUsedSize) / MiB], `first rows ${fmtMiB(heap.before.JSHeapUsedSize)}, at the end after GC ${fmtMiB(heap.afterGc.JSHeapUsedSize)}`);
    add('time to scroll to the last row', 's', [heap.scrollMs / 1000], `${heap.rowsInDom} rows in the DOM at the end`);
  }
  if (errors.length) rows.push({ task: 'not measured', unit: '', higher_is_better: false, values: {}, notes: errors.join('; ') });
  writeFileSync(process.env.BENCH_JSON ?? '/tmp/cerulean-bench-web.json', JSON.stringify(rows, null, 1));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
