import { configure, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, vi } from 'vitest';

import BrowsePage from '@/features/browse/components/browse-page';
import { resetPendingFolders } from '@/features/browse/pending-folders';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, problemResponse, stubFetch, type RecordedRequest } from '@/testing/stub-fetch';

const connection = {
  id: 1,
  user_id: 1,
  name: 'Work storage',
  auth_type: 'account_key',
  account_name: 'acct',
  endpoint: 'https://acct.blob.core.windows.net',
  container_name: null,
  is_active: true,
  sync_preferences: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};

function blob(name: string, size = 10) {
  return {
    name,
    size,
    content_type: 'text/plain',
    last_modified: '2026-01-01T00:00:00Z',
    etag: '"e"',
    content_md5: null,
    access_tier: 'Hot',
    blob_type: 'BlockBlob',
  };
}

function render(route = '/c/1/docs/') {
  return renderWithProviders(<BrowsePage />, { route, path: '/c/:connectionId/:container/*' });
}

function rowNames(): string[] {
  return screen
    .getAllByRole('row')
    .slice(1)
    .map((row) => within(row).queryByRole('link')?.textContent ?? '')
    .filter(Boolean);
}

beforeEach(() => {
  // The virtualizer sizes its window from the scroller; jsdom lays nothing out.
  vi.spyOn(HTMLElement.prototype, 'clientHeight', 'get').mockReturnValue(800);
  vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(1000);
  resetPendingFolders();
});

// The machine that runs these may be busy: give rendering time before failing. Role queries
// also see aria-hidden nodes: in jsdom, under load, Fluent's focus manager (tabster) can leave a
// dialog it just opened aria-hidden until its focus lands; the accessibility of the real pages
// is checked with axe-core in Chromium.
configure({ asyncUtilTimeout: 10_000, defaultHidden: true });

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('the blob browser', { timeout: 30_000 }, () => {
  it('lists folders first, then blobs, and loads the next page as the user nears the end', async () => {
    const { calls } = stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/blobs': (request: RecordedRequest) => {
        if (request.search.get('marker') === 'page2') {
          return jsonResponse({ items: [blob('z-last.txt')], prefixes: ['zz-folder/'], next_marker: null });
        }
        return jsonResponse({ items: [blob('b.txt'), blob('c.txt')], prefixes: ['a-folder/'], next_marker: 'page2' });
      },
    });
    render();
    await screen.findByRole('link', { name: 'b.txt' });
    // The listing asks for the second page by itself: what is loaded fits in view.
    await screen.findByRole('link', { name: 'z-last.txt' });
    expect(rowNames()).toEqual(['a-folder', 'zz-folder', 'b.txt', 'c.txt', 'z-last.txt']);
    const listings = calls('GET', '/api/v1/azure_blob/connections/1/blobs');
    expect(listings[0]?.search.get('delimiter')).toBe('/');
    expect(listings[0]?.search.get('container')).toBe('docs');
    expect(listings[1]?.search.get('marker')).toBe('page2');
    expect(screen.getByText('5 items')).toBeInTheDocument();
  });

  it('says "more to load" while pages remain, and asks the server to filter by prefix', async () => {
    const { calls } = stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/blobs': (request) =>
        request.search.get('marker')
          ? new Promise<Response>(() => undefined) // the next page never comes
          : jsonResponse({ items: [blob('reports/a.txt')], prefixes: [], next_marker: 'more' }),
    });
    const { user } = render('/c/1/docs/reports/');
    expect(await screen.findByText(/1 item · more to load/)).toBeInTheDocument();
    await user.type(screen.getByRole('searchbox'), 'q1');
    await screen.findByText(/Names starting with “q1” in this folder/);
    await waitFor(() =>
      expect(
        calls('GET', '/api/v1/azure_blob/connections/1/blobs').some((r) => r.search.get('prefix') === 'reports/q1'),
      ).toBe(true),
    );
  });

  it('shows the empty state with what to do next', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/blobs': () =>
        jsonResponse({ items: [], prefixes: [], next_marker: null }),
    });
    render();
    expect(await screen.findByText('This container is empty')).toBeInTheDocument();
    expect(screen.getByText(/Upload files or drop them here/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Upload files' })).toBeInTheDocument();
  });

  it("shows the API's detail with a retry when listing fails", async () => {
    let fail = true;
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/blobs': () =>
        fail
          ? problemResponse(502, 'azure_unreachable', 'Azure Storage could not be reached.')
          : jsonResponse({ items: [blob('back.txt')], prefixes: [], next_marker: null }),
    });
    const { user } = render();
    expect(await screen.findByText('Azure Storage could not be reached.')).toBeInTheDocument();
    fail = false;
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('link', { name: 'back.txt' })).toBeInTheDocument();
  });

  it('says when a deep link names a missing container, and offers the way back', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/blobs': () =>
        problemResponse(404, 'container_not_found', 'The container does not exist.'),
    });
    const { user, location } = render('/c/1/gone/a/');
    expect(await screen.findByText('The container “gone” does not exist (or was deleted)')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Back to containers' }));
    expect(location()).toBe('/c/1');
  });

  it('says when the connection is disabled', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse({ ...connection, is_active: false }),
      'GET /api/v1/azure_blob/connections/{id}/blobs': () =>
        problemResponse(409, 'connection_inactive', 'The connection is disabled.'),
    });
    render();
    expect(await screen.findByText('The connection “Work storage” is disabled')).toBeInTheDocument();
  });

  it('gives the count in the delete confirmation, after counting what the folders hold', async () => {
    const { calls } = stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/blobs': (request) =>
        request.search.get('delimiter')
          ? jsonResponse({ items: [blob('a.txt'), blob('b.txt')], prefixes: ['photos/'], next_marker: null })
          : jsonResponse({
              items: [blob('photos/1.png'), blob('photos/2.png'), blob('photos/x/3.png')],
              prefixes: [],
              next_marker: null,
            }),
      'DELETE /api/v1/azure_blob/connections/{id}/blobs': () => new Response(null, { status: 204 }),
    });
    const { user } = render();
    await screen.findByRole('link', { name: 'a.txt' });
    await user.click(screen.getByRole('checkbox', { name: 'Select photos' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select a.txt' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select b.txt' }));
    expect(screen.getByText(/3 selected/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = await screen.findByRole('alertdialog');
    expect(within(dialog).getByText('Delete 3 items?')).toBeInTheDocument();
    expect(await within(dialog).findByText(/The folder holds 3 blobs/)).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Delete 5 blobs' }));
    await waitFor(() => expect(calls('DELETE', '/api/v1/azure_blob/connections/1/blobs')).toHaveLength(5));
    const deleted = calls('DELETE', '/api/v1/azure_blob/connections/1/blobs')
      .map((r) => r.search.get('name'))
      .sort();
    expect(deleted).toEqual(['a.txt', 'b.txt', 'photos/1.png', 'photos/2.png', 'photos/x/3.png']);
  });

  it('selects with Shift-click and clears with Escape', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/blobs': () =>
        jsonResponse({ items: ['1', '2', '3', '4'].map((n) => blob(`${n}.txt`)), prefixes: [], next_marker: null }),
    });
    const { user } = render();
    await screen.findByRole('link', { name: '1.txt' });
    const rows = screen.getAllByRole('row').slice(1);
    await user.click(within(rows[0]!).getAllByRole('gridcell')[2]!);
    await user.keyboard('{Shift>}');
    await user.click(within(rows[2]!).getAllByRole('gridcell')[2]!);
    await user.keyboard('{/Shift}');
    expect(screen.getAllByRole('row').filter((r) => r.getAttribute('aria-selected') === 'true')).toHaveLength(3);
    await user.keyboard('{Escape}');
    expect(screen.getAllByRole('row').filter((r) => r.getAttribute('aria-selected') === 'true')).toHaveLength(0);
  });

  it('opens a folder with Enter and goes back up with Backspace, keeping the keyboard in the listing', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/blobs': (request) =>
        request.search.get('prefix') === 'reports/'
          ? jsonResponse({ items: [blob('reports/q1.pdf')], prefixes: [], next_marker: null })
          : jsonResponse({ items: [blob('a.txt')], prefixes: ['reports/'], next_marker: null }),
    });
    const { user, location } = render();
    await screen.findByRole('link', { name: 'reports' });
    screen.getAllByRole('row')[1]!.focus();
    await user.keyboard('{Enter}');
    await screen.findByRole('link', { name: 'q1.pdf' });
    expect(location()).toBe('/c/1/docs/reports/');
    await waitFor(() => expect(document.activeElement).toHaveTextContent('q1.pdf'));
    await user.keyboard('{Backspace}');
    await screen.findByRole('link', { name: 'a.txt' });
    expect(location()).toBe('/c/1/docs/');
    await waitFor(() => expect(document.activeElement).toHaveTextContent('reports'));
  });

  it('keeps a new folder as a place to upload into', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections/{id}': () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections/{id}/blobs': (request) =>
        request.search.get('prefix')
          ? jsonResponse({ items: [], prefixes: [], next_marker: null })
          : jsonResponse({ items: [blob('a.txt')], prefixes: [], next_marker: null }),
    });
    const { user, location } = render();
    await screen.findByRole('link', { name: 'a.txt' });
    await user.click(screen.getByRole('button', { name: 'New folder' }));
    await user.type(await screen.findByRole('textbox', { name: /Folder name/ }), 'drafts');
    await user.click(screen.getByRole('button', { name: 'Create and open' }));
    expect(await screen.findByText('“drafts” is ready')).toBeInTheDocument();
    expect(screen.getByText(/Upload files or drop them here/)).toBeInTheDocument();
    expect(location()).toBe('/c/1/docs/drafts/');
    await user.keyboard('{Backspace}');
    expect(await screen.findByRole('link', { name: 'drafts' })).toBeInTheDocument();
    expect(screen.getByText('new')).toBeInTheDocument();
  });
});
