import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import ConnectionsPage from '@/features/connections/components/connections-page';
import type { Connection } from '@/lib/api/connections';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, problemResponse, stubFetch } from '@/testing/stub-fetch';

vi.setConfig({ testTimeout: 20_000 });

const work: Connection = {
  id: 3,
  user_id: 1,
  name: 'Work storage',
  auth_type: 'sas_token',
  account_name: 'contosodata',
  endpoint: 'https://contosodata.blob.core.windows.net',
  container_name: 'docs',
  is_active: true,
  sync_preferences: null,
  created_at: '2026-11-26T03:27:38Z',
  updated_at: '2026-11-26T03:27:38Z',
};
const emulatorMeta = {
  version: '0.1.0',
  signup_open: true,
  local_emulator: { account_name: 'devstoreaccount1', endpoint: 'http://127.0.0.1:10000/devstoreaccount1' },
};

afterEach(() => vi.unstubAllGlobals());

// The table at desktop width (the media query stub answers "not narrow").
describe('ConnectionsPage', () => {
  it('offers the first connection, and the local emulator when the server has one', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections': () => jsonResponse({ items: [], total: 0 }),
      'GET /api/v1/meta': () => jsonResponse(emulatorMeta),
    });
    const view = renderWithProviders(<ConnectionsPage />, { route: '/connections', path: '/connections' });
    expect(await screen.findByText('Add your first connection')).toBeInTheDocument();
    await view.user.click(await screen.findByRole('button', { name: 'Add local emulator' }));
    expect(view.location()).toBe('/connections?new=emulator');
    expect(await screen.findByLabelText(/^Account name/)).toHaveValue('devstoreaccount1');
  });

  it('opens the form for ?new=1', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections': () => jsonResponse({ items: [work], total: 1 }),
      'GET /api/v1/meta': () => jsonResponse({ ...emulatorMeta, local_emulator: null }),
    });
    renderWithProviders(<ConnectionsPage />, { route: '/connections?new=1', path: '/connections' });
    expect(await screen.findByRole('dialog', { name: 'Add connection' })).toBeInTheDocument();
  });

  it('tests a connection and shows the result on its row', async () => {
    let result: unknown = { ok: false, code: 'azure_auth_failed', detail: 'Azure refused the signature' };
    stubFetch({
      'GET /api/v1/azure_blob/connections': () => jsonResponse({ items: [work], total: 1 }),
      'GET /api/v1/meta': () => jsonResponse(emulatorMeta),
      'POST /api/v1/azure_blob/connections/{id}/test': () => jsonResponse(result),
    });
    const view = renderWithProviders(<ConnectionsPage />, { route: '/connections', path: '/connections' });
    await view.user.click(await screen.findByRole('button', { name: 'Test Work storage' }));
    const row = await screen.findByRole('row', { name: 'Test result for Work storage' });
    expect(await within(row).findByText('Azure refused the signature')).toBeInTheDocument();
    expect(within(row).getByText(/azure_auth_failed/)).toBeInTheDocument();

    result = { ok: true, latency_ms: 42 };
    await view.user.click(screen.getByRole('button', { name: 'Test Work storage' }));
    expect(await within(row).findByText('Azure answered in 42 ms.')).toBeInTheDocument();
  });

  it('disables a connection with PATCH is_active', async () => {
    const { calls } = stubFetch({
      'GET /api/v1/azure_blob/connections': () => jsonResponse({ items: [work], total: 1 }),
      'GET /api/v1/meta': () => jsonResponse(emulatorMeta),
      'PATCH /api/v1/azure_blob/connections/{id}': () => jsonResponse({ ...work, is_active: false }),
    });
    const view = renderWithProviders(<ConnectionsPage />, { route: '/connections', path: '/connections' });
    await view.user.click(await screen.findByRole('switch', { name: 'Enabled: Work storage' }));
    await waitFor(() => expect(calls('PATCH', '/api/v1/azure_blob/connections/3')).toHaveLength(1));
    expect(calls('PATCH', '/api/v1/azure_blob/connections/3')[0]?.body).toEqual({ is_active: false });
  });

  it('deletes after a confirmation that names the connection and its sync jobs', async () => {
    let items = [work];
    const { calls } = stubFetch({
      'GET /api/v1/azure_blob/connections': () => jsonResponse({ items, total: items.length }),
      'GET /api/v1/meta': () => jsonResponse(emulatorMeta),
      'DELETE /api/v1/azure_blob/connections/{id}': () => {
        items = [];
        return new Response(null, { status: 204 });
      },
    });
    const view = renderWithProviders(<ConnectionsPage />, { route: '/connections', path: '/connections' });
    await view.user.click(await screen.findByRole('button', { name: 'Delete Work storage' }));
    // jsdom runs no animations, so Fluent's dialog keeps the aria-hidden of its opening motion.
    const dialog = await screen.findByRole('alertdialog', { hidden: true });
    expect(within(dialog).getByRole('heading', { name: 'Delete “Work storage”?', hidden: true })).toBeInTheDocument();
    expect(dialog).toHaveTextContent('sync jobs');
    await view.user.click(within(dialog).getByRole('button', { name: 'Delete connection', hidden: true }));
    await waitFor(() => expect(calls('DELETE', '/api/v1/azure_blob/connections/3')).toHaveLength(1));
    expect(await screen.findByText('Add your first connection')).toBeInTheDocument();
  });

  it('shows a failed listing with its detail and a retry', async () => {
    let fail = true;
    stubFetch({
      'GET /api/v1/azure_blob/connections': () =>
        fail ? problemResponse(503, 'server_busy', 'The server is busy.') : jsonResponse({ items: [work], total: 1 }),
      'GET /api/v1/meta': () => jsonResponse(emulatorMeta),
    });
    const view = renderWithProviders(<ConnectionsPage />, { route: '/connections', path: '/connections' });
    expect(await screen.findByText('The server is busy.')).toBeInTheDocument();
    fail = false;
    await view.user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('link', { name: 'Work storage' })).toBeInTheDocument();
  });
});
