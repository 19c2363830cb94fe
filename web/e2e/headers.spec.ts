// The server's answers for the web UI itself: security headers on every page, index.html
// revalidated, hashed assets cached for good, client routes answered with index.html.

import type { APIResponse } from '@playwright/test';

import { expect, test } from './support/fixtures';

function directives(csp: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), values);
  }
  return map;
}

function expectSecurityHeaders(response: APIResponse, what: string) {
  const headers = response.headers();
  const csp = headers['content-security-policy'];
  expect(csp, `${what}: Content-Security-Policy`).toBeTruthy();
  const d = directives(csp!);
  const scripts = d.get('script-src') ?? d.get('default-src');
  expect(scripts, `${what}: CSP has script-src or default-src (${csp})`).toBeTruthy();
  expect(scripts, `${what}: script-src without 'unsafe-inline' (${csp})`).not.toContain("'unsafe-inline'");
  expect(scripts, `${what}: script-src without 'unsafe-eval' (${csp})`).not.toContain("'unsafe-eval'");
  expect(d.get('frame-ancestors'), `${what}: frame-ancestors 'none' (${csp})`).toEqual(["'none'"]);
  expect(headers['x-content-type-options'], `${what}: X-Content-Type-Options`).toBe('nosniff');
  expect(headers['referrer-policy'], `${what}: Referrer-Policy`).toBe('no-referrer');
}

function maxAge(cacheControl: string | undefined): number {
  const match = /max-age=(\d+)/.exec(cacheControl ?? '');
  return match ? Number(match[1]) : 0;
}

test('index.html has the security headers and is revalidated', async ({ request }) => {
  const response = await request.get('/');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toMatch(/^text\/html/);
  expectSecurityHeaders(response, 'GET /');
  expect(response.headers()['cache-control'], 'GET / Cache-Control').toMatch(/no-cache|no-store/);
  const html = await response.text();
  expect(html, 'no inline script in index.html').not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
});

test('a client route answers index.html, a missing asset answers 404', async ({ request }) => {
  const deep = await request.get('/c/1/docs/reports/2026/?item=a.txt');
  expect(deep.status()).toBe(200);
  expect(deep.headers()['content-type']).toMatch(/^text\/html/);
  expect(deep.headers()['cache-control'], 'client route Cache-Control').toMatch(/no-cache|no-store/);
  expectSecurityHeaders(deep, 'GET /c/1/docs/...');

  const missing = await request.get('/assets/does-not-exist-0123abcd.js');
  expect(missing.status(), 'a missing asset is not answered with index.html').toBe(404);
});

test('hashed assets are cached for a year and immutable', async ({ request }) => {
  const html = await (await request.get('/')).text();
  const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  expect(assets.length, 'index.html references /assets/*').toBeGreaterThan(0);
  for (const path of assets) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(200);
    const cacheControl = response.headers()['cache-control'];
    expect(cacheControl, `${path} Cache-Control`).toContain('immutable');
    expect(maxAge(cacheControl), `${path} max-age (${cacheControl})`).toBeGreaterThanOrEqual(31_536_000);
    expect(response.headers()['x-content-type-options'], `${path} nosniff`).toBe('nosniff');
    if (path.endsWith('.js')) expect(response.headers()['content-type'], path).toMatch(/javascript/);
    if (path.endsWith('.css')) expect(response.headers()['content-type'], path).toMatch(/^text\/css/);
  }
});

test('the meta endpoint tells the UI about sign-up and the local emulator', async ({ request, emulator }) => {
  const response = await request.get('/api/v1/meta');
  expect(response.status()).toBe(200);
  const meta = (await response.json()) as {
    signup_open: boolean;
    local_emulator: { endpoint: string; account_name: string } | null;
  };
  expect(meta.signup_open).toBe(true);
  expect(meta.local_emulator).toEqual({ endpoint: emulator, account_name: 'devstoreaccount1' });
});
