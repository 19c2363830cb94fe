import { configure, screen, waitFor, within } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

import { CopyMoveDialog } from '@/features/browse/components/copy-move-dialog';
import type { Entry } from '@/features/browse/listing-entries';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, problemResponse, stubFetch } from '@/testing/stub-fetch';

// See browse-page.test.tsx: a busy machine, and dialogs tabster may leave aria-hidden in jsdom.
configure({ asyncUtilTimeout: 10_000, defaultHidden: true });
afterEach(() => vi.unstubAllGlobals());

const connection = {
  id: 1,
  user_id: 1,
  name: 'Work',
  auth_type: 'account_key',
  account_name: 'acct',
  endpoint: 'https://acct.blob.core.windows.net',
  container_name: null,
  is_active: true,
  sync_preferences: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};
function blob(name: string) {
  return {
    name,
    size: 1,
    content_type: null,
    last_modified: null,
    etag: '"e"',
    content_md5: null,
    access_tier: null,
    blob_type: 'BlockBlob',
  };
}
const entries: Entry[] = [
  { kind: 'folder', key: 'f:src/pics/', name: 'src/pics/', label: 'pics' },
  { kind: 'blob', key: 'b:src/a.txt', name: 'src/a.txt', label: 'a.txt', blob: blob('src/a.txt') as never },
];

describe('the copy and move dialog', { timeout: 30_000 }, () => {
  it('moves: copies each blob, deletes a source only after its copy, and lists what failed', async () => {
    const { calls } = stubFetch({
      'GET /api/v1/azure_blob/connections': () => jsonResponse({ items: [connection], total: 1 }),
      'GET /api/v1/azure_blob/connections/{id}/blobs': (request) =>
        request.search.get('delimiter')
          ? jsonResponse({ items: [], prefixes: [], next_marker: null })
          : jsonResponse({ items: [blob('src/pics/1.png'), blob('src/pics/2.png')], prefixes: [], next_marker: null }),
      'GET /api/v1/azure_blob/connections/{id}/blobs/properties': () =>
        problemResponse(404, 'blob_not_found', 'No such blob.'),
      'POST /api/v1/azure_blob/connections/{id}/blobs/copy': (request) => {
        const body = request.body as { name: string };
        return body.name.endsWith('2.png')
          ? problemResponse(502, 'azure_unreachable', 'Azure Storage could not be reached.')
          : jsonResponse({ ...blob(body.name), container: 'dst', copy_mode: 'server_side' }, 201);
      },
      'DELETE /api/v1/azure_blob/connections/{id}/blobs': () => new Response(null, { status: 204 }),
    });
    const { user } = renderWithProviders(
      <CopyMoveDialog
        mode="move"
        source={{ connectionId: 1, container: 'box', prefix: 'src/' }}
        entries={entries}
        onClose={() => undefined}
      />,
    );
    const dialog = await screen.findByRole('dialog');
    const destination = within(dialog).getByRole('textbox', { name: /Destination folder/ });
    await user.clear(destination);
    await user.type(destination, 'dst/archive/');
    await user.click(within(dialog).getByRole('button', { name: 'Move' }));
    expect(await within(dialog).findByText(/Moved 2 of 3 blobs to/)).toBeInTheDocument();
    expect(
      within(dialog)
        .getByText(/src\/pics\/2\.png/)
        .closest('li'),
    ).toHaveTextContent('was not copied: Azure Storage could not be reached.');

    const copies = calls('POST', '/api/v1/azure_blob/connections/1/blobs/copy').map(
      (r) => r.body as { container: string; name: string; source: { name: string } },
    );
    expect(copies.map((c) => `${c.source.name} -> ${c.container}/${c.name}`).sort()).toEqual([
      'src/a.txt -> dst/archive/a.txt',
      'src/pics/1.png -> dst/archive/pics/1.png',
      'src/pics/2.png -> dst/archive/pics/2.png',
    ]);
    await waitFor(() => {
      const deleted = calls('DELETE', '/api/v1/azure_blob/connections/1/blobs')
        .map((r) => r.search.get('name'))
        .sort();
      // The blob whose copy failed stays where it was.
      expect(deleted).toEqual(['src/a.txt', 'src/pics/1.png']);
    });
  });

  it('refuses to move a folder into itself', async () => {
    const { calls } = stubFetch({
      'GET /api/v1/azure_blob/connections': () => jsonResponse({ items: [connection], total: 1 }),
      'GET /api/v1/azure_blob/connections/{id}/blobs': () =>
        jsonResponse({ items: [], prefixes: [], next_marker: null }),
    });
    const { user } = renderWithProviders(
      <CopyMoveDialog
        mode="move"
        source={{ connectionId: 1, container: 'box', prefix: 'src/' }}
        entries={entries}
        onClose={() => undefined}
      />,
    );
    const dialog = await screen.findByRole('dialog');
    const destination = within(dialog).getByRole('textbox', { name: /Destination folder/ });
    await user.clear(destination);
    await user.type(destination, 'box/src/pics/inner/');
    await user.click(within(dialog).getByRole('button', { name: 'Move' }));
    expect(await within(dialog).findByText('A folder cannot go inside itself (“pics/”).')).toBeInTheDocument();
    expect(calls('POST', '/api/v1/azure_blob/connections/1/blobs/copy')).toHaveLength(0);
  });
});
