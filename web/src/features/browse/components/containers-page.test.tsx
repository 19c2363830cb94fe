import { configure, screen, waitFor, within } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

import ContainersPage from '@/features/browse/components/containers-page';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, problemResponse, stubFetch } from '@/testing/stub-fetch';

// See browse-page.test.tsx: a busy machine, and dialogs tabster may leave aria-hidden in jsdom.
configure({ asyncUtilTimeout: 10_000, defaultHidden: true });
afterEach(() => vi.unstubAllGlobals());

const connection = {
  id: 5,
  user_id: 1,
  name: 'Backup',
  auth_type: 'sas_token',
  account_name: 'acct',
  endpoint: 'https://acct.blob.core.windows.net',
  container_name: 'nightly',
  is_active: true,
  sync_preferences: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};
const container = (name: string) => ({ name, last_modified: '2026-01-01T00:00:00Z', etag: '"e"', public_access: null });

function render() {
  return renderWithProviders(<ContainersPage />, { route: '/c/5', path: '/c/:connectionId' });
}

describe('the containers page', { timeout: 30_000 }, () => {
  it('lists containers page by page and remembers the connection', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/containers': (request) =>
        request.search.get('marker')
          ? jsonResponse({ items: [container('zeta')], next_marker: null })
          : jsonResponse({ items: [container('alpha'), container('beta')], next_marker: 'm2' }),
    });
    const { user } = render();
    expect(await screen.findByRole('link', { name: 'alpha' })).toHaveAttribute('href', '/c/5/alpha/');
    expect(screen.getByText(/2 containers \(more to load\)/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByRole('link', { name: 'zeta' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
    await waitFor(() => expect(localStorage.getItem('cerulean.connection')).toBe('5'));
  });

  it('checks the name as Azure does and shows container_exists on the field', async () => {
    const { calls } = stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/containers': () =>
        jsonResponse({ items: [container('alpha')], next_marker: null }),
      'POST /api/v1/azure_blob/connections/{id}/containers': () =>
        problemResponse(409, 'container_exists', 'The container exists.'),
    });
    const { user } = render();
    await screen.findByRole('link', { name: 'alpha' });
    await user.click(screen.getByRole('button', { name: 'New container' }));
    const dialog = await screen.findByRole('dialog');
    const name = within(dialog).getByRole('textbox', { name: /Name/ });
    await user.type(name, 'Bad--Name');
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(within(dialog).getByText('Use lowercase letters only.')).toBeInTheDocument();
    expect(calls('POST', '/api/v1/azure_blob/connections/5/containers')).toHaveLength(0);
    await user.clear(name);
    await user.type(name, 'alpha');
    await user.click(within(dialog).getByRole('radio', { name: /Blob: anyone/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('A container with this name already exists.')).toBeInTheDocument();
    expect(calls('POST', '/api/v1/azure_blob/connections/5/containers')[0]?.body).toEqual({
      name: 'alpha',
      public_access: 'blob',
    });
  });

  it('asks for the name typed out before deleting a container', async () => {
    const { calls } = stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/containers': () =>
        jsonResponse({ items: [container('alpha')], next_marker: null }),
      'DELETE /api/v1/azure_blob/connections/{id}/containers/{container}': () => new Response(null, { status: 204 }),
    });
    const { user } = render();
    await screen.findByRole('link', { name: 'alpha' });
    await user.click(screen.getByRole('button', { name: 'Delete alpha' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByText('Delete the container “alpha”?')).toBeInTheDocument();
    const confirm = within(dialog).getByRole('button', { name: 'Delete container' });
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByRole('textbox', { name: "Type the container's name to confirm" }), 'alpha');
    expect(confirm).toBeEnabled();
    await user.click(confirm);
    await waitFor(() => expect(calls('DELETE', '/api/v1/azure_blob/connections/5/containers/alpha')).toHaveLength(1));
  });

  it('offers the default container when the connection cannot list containers', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/containers': () =>
        problemResponse(502, 'azure_auth_failed', 'Azure Storage refused the credentials (AuthorizationFailure).'),
    });
    const { user, location } = render();
    expect(await screen.findByText('This connection cannot list containers')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Open “nightly”' }));
    expect(location()).toBe('/c/5/nightly/');
  });

  it('says when the connection does not exist', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () =>
        problemResponse(404, 'connection_not_found', 'connection 5 not found'),
    });
    render();
    expect(await screen.findByText('This connection does not exist (or was deleted)')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Go to connections' })).toBeInTheDocument();
  });
});
