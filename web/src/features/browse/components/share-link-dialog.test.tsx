import { configure, screen } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

import { ShareLinkDialog } from '@/features/browse/components/share-link-dialog';
import type { Connection } from '@/lib/api/connections';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, problemResponse, stubFetch } from '@/testing/stub-fetch';

const base: Connection = {
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
const blob = { connectionId: 1, container: 'docs', name: 'a/report.pdf' };

// The machine that runs these may be busy: give rendering time before failing. Role queries
// also see aria-hidden nodes: in jsdom, under load, Fluent's focus manager (tabster) can leave a
// dialog it just opened aria-hidden until its focus lands; the accessibility of the real pages
// is checked with axe-core in Chromium.
configure({ asyncUtilTimeout: 10_000, defaultHidden: true });

afterEach(() => vi.unstubAllGlobals());

describe('the share link dialog', { timeout: 30_000 }, () => {
  it('says upfront why a SAS-token connection cannot sign, and offers no link', () => {
    stubFetch({});
    renderWithProviders(
      <ShareLinkDialog blob={blob} connection={{ ...base, auth_type: 'sas_token' }} onClose={() => undefined} />,
    );
    expect(screen.getByText('This connection cannot sign links')).toBeInTheDocument();
    expect(screen.getByText(/signed with the account key; this connection uses a SAS token/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Create link' })).not.toBeInTheDocument();
  });

  it("shows the server's cannot_sign detail when a connection string holds no key", async () => {
    stubFetch({
      'POST /api/v1/azure_blob/connections/{id}/blobs/sas': () =>
        problemResponse(
          422,
          'cannot_sign',
          'This connection string holds a SAS, not an account key: it cannot sign links.',
        ),
    });
    const { user } = renderWithProviders(
      <ShareLinkDialog
        blob={blob}
        connection={{ ...base, auth_type: 'connection_string' }}
        onClose={() => undefined}
      />,
    );
    await user.click(screen.getByRole('button', { name: 'Create link' }));
    expect(
      await screen.findByText('This connection string holds a SAS, not an account key: it cannot sign links.'),
    ).toBeInTheDocument();
  });

  it('creates a link with the chosen expiry, shows when it expires, and copies it', async () => {
    const { calls } = stubFetch({
      'POST /api/v1/azure_blob/connections/{id}/blobs/sas': () =>
        jsonResponse({
          url: 'https://acct.blob.core.windows.net/docs/a/report.pdf?sig=x',
          expires_at: '2030-01-02T03:04:05Z',
        }),
    });
    const { user } = renderWithProviders(<ShareLinkDialog blob={blob} connection={base} onClose={() => undefined} />);
    await user.click(screen.getByRole('radio', { name: '7 days (the longest)' }));
    await user.click(screen.getByRole('button', { name: 'Create link' }));
    expect(
      await screen.findByDisplayValue('https://acct.blob.core.windows.net/docs/a/report.pdf?sig=x'),
    ).toBeInTheDocument();
    expect(calls('POST', '/api/v1/azure_blob/connections/1/blobs/sas')[0]?.body).toEqual({
      container: 'docs',
      name: 'a/report.pdf',
      permissions: 'r',
      expires_in: 604800,
    });
    expect(screen.getByText(/Expires/)).toHaveTextContent('2030');
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    await user.click(screen.getByRole('button', { name: 'Copy' }));
    expect(writeText).toHaveBeenCalledWith('https://acct.blob.core.windows.net/docs/a/report.pdf?sig=x');
    expect(await screen.findByRole('button', { name: 'Copied' })).toBeInTheDocument();
  });
});
