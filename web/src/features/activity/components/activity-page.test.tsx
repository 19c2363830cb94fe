import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { AuditEvent } from '@/features/activity/api/audit';
import { auditEvent } from '@/features/activity/audit-fixtures';
import ActivityPage from '@/features/activity/components/activity-page';
import type { Connection } from '@/lib/api/connections';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, problemResponse, stubFetch, type RecordedRequest, type Responder } from '@/testing/stub-fetch';

vi.setConfig({ testTimeout: 20_000 });

afterEach(() => vi.unstubAllGlobals());

const work: Connection = {
  id: 3,
  user_id: 7,
  name: 'work',
  auth_type: 'account_key',
  account_name: 'contosodata',
  endpoint: 'https://contosodata.blob.core.windows.net',
  container_name: null,
  is_active: true,
  sync_preferences: null,
  created_at: '2026-11-26T03:27:38Z',
  updated_at: '2026-11-26T03:27:38Z',
};

const me = {
  id: 7,
  email: 'ann@example.com',
  full_name: null,
  is_active: true,
  is_superuser: false,
  created_at: '2026-11-26T03:27:38Z',
};

function minutesAgo(n: number): string {
  return new Date(Date.now() - n * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The API's answer to GET /audit: `events` filtered by the request's action family, paged. */
function auditAnswer(events: AuditEvent[]): Responder {
  return (request: RecordedRequest) => {
    const action = request.search.get('action');
    const matching = events.filter((e) =>
      !action ? true : action.endsWith('.') ? e.action.startsWith(action) : e.action === action,
    );
    const skip = Number(request.search.get('skip') ?? 0);
    const limit = Number(request.search.get('limit') ?? 100);
    return jsonResponse({ items: matching.slice(skip, skip + limit), total: matching.length });
  };
}

function stubApi(audit: Responder, user = me, extra: Record<string, Responder> = {}) {
  return stubFetch({
    'GET /api/v1/users/me': () => jsonResponse(user),
    'GET /api/v1/azure_blob/connections': () => jsonResponse({ items: [work], total: 1 }),
    'GET /api/v1/audit': audit,
    ...extra,
  });
}

function renderPage(route = '/activity') {
  return renderWithProviders(<ActivityPage />, { route, path: '/activity' });
}

const rows = () =>
  within(screen.getByRole('table', { name: 'Events' }))
    .getAllByRole('row')
    .slice(1);

describe('ActivityPage', () => {
  it('shows each event as a sentence, when, its target linked by id, and from where', async () => {
    const when = minutesAgo(5);
    stubApi(
      auditAnswer([
        auditEvent({
          id: 3,
          action: 'connection.updated',
          target_type: 'connection',
          target_id: '3',
          detail: { fields: ['name', 'credentials'] },
          created_at: when,
        }),
        auditEvent({ id: 2, action: 'connection.deleted', target_type: 'connection', target_id: '4' }),
        auditEvent({ id: 1, request_id: 'abc123' }),
      ]),
    );
    const view = renderPage();
    expect(await screen.findByText('Changed connection “work” (name, credentials)')).toBeInTheDocument();
    expect(screen.getByText('3 events')).toBeInTheDocument();
    const [changed, deleted, signedIn] = rows();

    const time = within(changed!).getByText('5 minutes ago');
    expect(time).toHaveAttribute('dateTime', when);
    expect(time.getAttribute('title')).toMatch(/2\d{3}/);
    expect(within(changed!).getByRole('link', { name: 'work' })).toHaveAttribute('href', '/c/3');
    // Gone: named, not linked.
    expect(within(deleted!).getByText('Connection 4')).toBeInTheDocument();
    expect(within(deleted!).queryByRole('link')).toBeNull();
    expect(within(signedIn!).getByText('Signed in')).toBeInTheDocument();
    expect(within(signedIn!).getByText('203.0.113.9')).toHaveAttribute('title', 'Request ID abc123');
    // No "Account" column for a reader who sees only their own events.
    expect(screen.queryByRole('columnheader', { name: 'Account' })).toBeNull();

    // The details: everything recorded, the request id among it.
    await view.user.click(within(signedIn!).getByRole('button', { name: 'Details: Signed in' }));
    expect(within(signedIn!).getByRole('button', { name: 'Details: Signed in' })).toHaveAttribute(
      'aria-expanded',
      'true',
    );
    const details = document.getElementById('audit-event-1')!;
    expect(within(details).getByText('Request ID')).toBeInTheDocument();
    expect(within(details).getByText('abc123')).toBeInTheDocument();
    expect(within(details).getByText('auth.signed_in')).toBeInTheDocument();
  });

  it('loads more, a page at a time, within the window of the first page', async () => {
    const events = Array.from({ length: 60 }, (_, i) => auditEvent({ id: 60 - i, created_at: minutesAgo(i + 1) }));
    const { calls } = stubApi(auditAnswer(events));
    const view = renderPage();
    expect(await screen.findByText('Showing the newest 50 of 60 events')).toBeInTheDocument();
    expect(rows()).toHaveLength(50);
    await view.user.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText('60 events')).toBeInTheDocument();
    expect(rows()).toHaveLength(60);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();

    const [first, second] = calls('GET', '/api/v1/audit');
    expect(first!.search.get('skip')).toBe('0');
    expect(first!.search.get('limit')).toBe('50');
    expect(first!.search.has('until')).toBe(false);
    expect(second!.search.get('skip')).toBe('50');
    // A second after the newest event of the first page: what was written meanwhile does not shift the pages.
    expect(Date.parse(second!.search.get('until')!)).toBe(Date.parse(events[0]!.created_at) + 1000);
  });

  it('filters by kind of event and time, in the address, and says when nothing matches', async () => {
    const { calls } = stubApi(
      auditAnswer([
        auditEvent({ id: 2, action: 'connection.created', target_type: 'connection', target_id: '3' }),
        auditEvent({ id: 1 }),
      ]),
    );
    const view = renderPage();
    expect(await screen.findByText('Signed in')).toBeInTheDocument();

    await view.user.selectOptions(screen.getByRole('combobox', { name: 'Show' }), 'Connections');
    await waitFor(() => expect(screen.queryByText('Signed in')).toBeNull());
    expect(screen.getByText('Added connection “work”')).toBeInTheDocument();
    // Key rotations concern no account: only a superuser is offered them.
    expect(
      within(screen.getByRole('combobox', { name: 'Show' })).queryByRole('option', { name: 'Key rotations' }),
    ).toBeNull();
    expect(view.location()).toBe('/activity?events=connection');
    expect(calls('GET', '/api/v1/audit').at(-1)!.search.get('action')).toBe('connection.');

    const before = Date.now();
    await view.user.selectOptions(screen.getByRole('combobox', { name: 'Time' }), 'Last 24 hours');
    await waitFor(() => expect(calls('GET', '/api/v1/audit').at(-1)!.search.get('since')).not.toBeNull());
    const since = Date.parse(calls('GET', '/api/v1/audit').at(-1)!.search.get('since')!);
    expect(Math.abs(since - (before - 24 * 3_600_000))).toBeLessThan(60_000);
    expect(view.location()).toBe('/activity?events=connection&range=24h');

    await view.user.selectOptions(screen.getByRole('combobox', { name: 'Show' }), 'Share links');
    expect(await screen.findByText('No activity matches these filters')).toBeInTheDocument();
    await view.user.click(screen.getByRole('button', { name: 'Show all activity' }));
    expect(await screen.findByText('Signed in')).toBeInTheDocument();
    expect(view.location()).toBe('/activity');
  });

  it('lets a superuser see everyone’s events and pick one account', async () => {
    const { calls } = stubApi(
      auditAnswer([auditEvent({ id: 2, actor: 'bob@example.com', user_id: 8 }), auditEvent({ id: 1 })]),
      { ...me, is_superuser: true },
      {
        'GET /api/v1/users': () =>
          jsonResponse({
            items: [me, { ...me, id: 8, email: 'bob@example.com', is_active: false }],
            total: 2,
          }),
      },
    );
    const view = renderPage();
    expect(await screen.findByRole('columnheader', { name: 'Account' })).toBeInTheDocument();
    expect(within(rows()[0]!).getByText('bob@example.com')).toBeInTheDocument();
    const account = screen.getByRole('combobox', { name: 'Account' });
    await waitFor(() => expect(within(account).getAllByRole('option')).toHaveLength(3));
    await view.user.selectOptions(account, 'bob@example.com (deactivated)');
    await waitFor(() => expect(calls('GET', '/api/v1/audit').at(-1)!.search.get('user_id')).toBe('8'));
    expect(view.location()).toBe('/activity?user=8');
  });

  it('says what is wrong, with a retry; and lets a user who is no superuser back to their own events', async () => {
    let fail = true;
    stubApi((request) => {
      if (request.search.get('user_id')) return problemResponse(403, 'not_superuser', 'only a superuser may do that');
      return fail ? problemResponse(503, 'server_busy', 'The server is busy.') : jsonResponse({ items: [], total: 0 });
    });
    const view = renderPage('/activity?user=8');
    expect(await screen.findByText('Only a superuser can see another account’s activity.')).toBeInTheDocument();
    await view.user.click(screen.getByRole('button', { name: 'Show my activity' }));
    expect(await screen.findByText('The server is busy.')).toBeInTheDocument();
    fail = false;
    await view.user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('No activity yet')).toBeInTheDocument();
  });
});
