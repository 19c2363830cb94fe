import { screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ConnectionNav } from '@/features/connections/components/connection-nav';
import type { Connection } from '@/lib/api/connections';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, stubFetch } from '@/testing/stub-fetch';

const connection = (id: number, name: string, active = true): Connection => ({
  id,
  user_id: 1,
  name,
  auth_type: 'account_key',
  account_name: `account${id}`,
  endpoint: `https://account${id}.blob.core.windows.net`,
  container_name: null,
  is_active: active,
  sync_preferences: null,
  created_at: '2026-11-26T03:27:38Z',
  updated_at: '2026-11-26T03:27:38Z',
});

afterEach(() => vi.unstubAllGlobals());

describe('ConnectionNav', () => {
  it('links each connection, marks the selected one and dims disabled ones', async () => {
    stubFetch({
      'GET /api/v1/azure_blob/connections': () =>
        jsonResponse({ items: [connection(2, 'Work'), connection(1, 'Archive', false)], total: 2 }),
    });
    renderWithProviders(<ConnectionNav />, { route: '/c/2/docs/reports/', path: '/c/:connectionId/*' });
    const work = await screen.findByRole('link', { name: /^Work/ });
    expect(work).toHaveAttribute('href', '/c/2');
    expect(work).toHaveAttribute('aria-current', 'page');
    const archive = screen.getByRole('link', { name: /^Archive/ });
    expect(archive).toHaveTextContent('(disabled)');
    expect(archive).not.toHaveAttribute('aria-current');
    // Sorted by name.
    const names = screen.getAllByRole('link').map((a) => a.textContent);
    expect(names).toEqual(['Archive(disabled)', 'Work', 'Add connection']);
    expect(screen.getByRole('link', { name: 'Add connection' })).toHaveAttribute('href', '/connections?new=1');
  });
});
