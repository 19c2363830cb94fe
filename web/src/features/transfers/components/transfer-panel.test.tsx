import { act, screen, waitFor, within } from '@testing-library/react';

import { TransferPanel } from '@/features/transfers/components/transfer-panel';
import {
  downloadBlob,
  enqueueUploads,
  getTransfers,
  resetTransfers,
  type UploadFile,
} from '@/lib/transfers/transfer-queue';
import { FakeXhr, installFakeXhr, pendingXhrs } from '@/testing/fake-xhr';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, problemResponse, stubFetch } from '@/testing/stub-fetch';

const target = { connectionId: 1, container: 'docs', prefix: 'reports/' };
const MiB = 1024 * 1024;

function file(name: string, size = 40 * MiB): UploadFile {
  const f = new File(['x'], name, { type: 'text/plain' });
  Object.defineProperty(f, 'size', { value: size });
  return { file: f, relativePath: name };
}

function xhrFor(name: string): FakeXhr {
  const found = FakeXhr.instances.find((x) => x.query.get('name') === name);
  if (!found) throw new Error(`no upload of ${name}`);
  return found;
}

const settle = () => act(() => new Promise((resolve) => setTimeout(resolve, 0)));

function stubNames(existing: Set<string> = new Set()) {
  stubFetch({
    'GET /api/v1/azure_blob/connections/{id}/blobs/properties': (request) => {
      const name = request.search.get('name') ?? '';
      return existing.has(name) ? jsonResponse({ name, size: 1 }) : problemResponse(404, 'blob_not_found', 'No blob.');
    },
  });
}

beforeEach(() => {
  installFakeXhr();
});

afterEach(() => {
  act(() => resetTransfers());
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('TransferPanel', () => {
  it('shows nothing until the first transfer', () => {
    renderWithProviders(<TransferPanel />);
    expect(screen.queryByRole('region', { name: 'Transfers' })).not.toBeInTheDocument();
  });

  it('sums up the transfers, shows progress per file and the API detail of a failure', async () => {
    stubNames();
    renderWithProviders(<TransferPanel />);
    act(() => enqueueUploads(target, [file('a.txt'), file('b.txt'), file('c.txt')]));
    await waitFor(() => expect(pendingXhrs()).toHaveLength(3));
    act(() => xhrFor('reports/a.txt').progress(12 * MiB));
    act(() =>
      xhrFor('reports/c.txt').respond(502, {
        status: 502,
        code: 'azure_error',
        detail: 'Azure answered 503 ServerBusy.',
      }),
    );
    await settle();

    const panel = screen.getByRole('region', { name: 'Transfers' });
    const toggle = within(panel).getByRole('button', { name: /Transfers \(3\)/ });
    expect(toggle).toHaveTextContent('Transfers (3)· 2 running, 1 failed');
    expect(toggle).toHaveAttribute('aria-expanded', 'true');

    const bar = screen.getByRole('progressbar', { name: 'Upload of a.txt' });
    expect(bar).toHaveAttribute('aria-valuenow', String(12 / 40));
    expect(screen.getByText('30%')).toBeInTheDocument();
    expect(screen.getByText('12.0 MiB of 40.0 MiB')).toBeInTheDocument();
    expect(screen.getAllByText('to docs/reports/')).toHaveLength(3);
    expect(screen.getByText('Azure answered 503 ServerBusy.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry upload of c.txt' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel upload of c.txt' })).not.toBeInTheDocument();
  });

  it('cancel stops the upload', async () => {
    stubNames();
    const { user } = renderWithProviders(<TransferPanel />);
    act(() => enqueueUploads(target, [file('a.txt')]));
    await waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    await user.click(screen.getByRole('button', { name: 'Cancel upload of a.txt' }));
    expect(xhrFor('reports/a.txt').aborted).toBe(true);
    expect(getTransfers().cancelled).toBe(1);
    expect(screen.getByText('Cancelled')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Retry upload of a.txt' })).toHaveFocus();
    expect(screen.getByRole('button', { name: /Transfers \(1\)/ })).toHaveTextContent('1 cancelled');
  });

  it('clear finished removes done and failed rows, keeps the running ones', async () => {
    stubNames();
    const { user } = renderWithProviders(<TransferPanel />);
    act(() => enqueueUploads(target, [file('a.txt'), file('b.txt'), file('c.txt')]));
    await waitFor(() => expect(pendingXhrs()).toHaveLength(3));
    act(() => xhrFor('reports/a.txt').respond(201, { items: [] }));
    act(() => xhrFor('reports/b.txt').respond(500, { status: 500, code: 'internal', detail: 'Boom.' }));
    await settle();
    expect(screen.getByRole('button', { name: /Transfers \(3\)/ })).toHaveTextContent('1 running, 1 failed, 1 done');

    await user.click(screen.getByRole('button', { name: 'Clear finished' }));
    expect(screen.getByRole('button', { name: /Transfers \(1\)/ })).toHaveTextContent('1 running');
    expect(screen.queryByText('a.txt')).not.toBeInTheDocument();
    expect(screen.queryByText('b.txt')).not.toBeInTheDocument();
    expect(screen.getByText('c.txt')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Clear finished' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: /Transfers \(1\)/ })).toHaveFocus();
  });

  it('collapses to its summary bar and expands again', async () => {
    stubNames();
    const { user } = renderWithProviders(<TransferPanel />);
    act(() => enqueueUploads(target, [file('a.txt')]));
    await waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    const toggle = screen.getByRole('button', { name: /Transfers \(1\)/ });
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('list', { name: 'Transfers' })).not.toBeInTheDocument();
    toggle.focus();
    await user.keyboard('{Enter}');
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByRole('list', { name: 'Transfers' })).toBeInTheDocument();
  });

  it('asks about a name conflict; apply to all answers the batch', async () => {
    stubNames(new Set(['reports/a.txt', 'reports/b.txt']));
    const { user } = renderWithProviders(<TransferPanel />);
    act(() => enqueueUploads(target, [file('a.txt'), file('b.txt')]));
    const dialog = await screen.findByRole('alertdialog', { name: 'A file with this name exists' });
    expect(dialog).toHaveTextContent('a.txt is already in docs/reports/');
    await waitFor(() => expect(getTransfers().waiting).toBe(2));
    await user.click(within(dialog).getByRole('checkbox', { name: /Apply to all conflicts in this upload/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Keep both' }));
    await waitFor(() => expect(pendingXhrs()).toHaveLength(2));
    expect(
      pendingXhrs()
        .map((x) => x.query.get('name'))
        .sort(),
    ).toEqual(['reports/a (1).txt', 'reports/b (1).txt']);
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
  });

  it('moves to the next question without losing focus; Escape skips', async () => {
    stubNames(new Set(['reports/a.txt', 'reports/b.txt']));
    const { user } = renderWithProviders(<TransferPanel />);
    act(() => enqueueUploads(target, [file('a.txt'), file('b.txt')]));
    const dialog = await screen.findByRole('alertdialog');
    await waitFor(() => expect(getTransfers().waiting).toBe(2));
    const first = getTransfers().conflict?.item.requestedName ?? '';
    await user.click(within(dialog).getByRole('button', { name: 'Overwrite' }));
    const second = first === 'reports/a.txt' ? 'b.txt' : 'a.txt';
    expect(screen.getByRole('alertdialog')).toHaveTextContent(`${second} is already in docs/reports/`);
    expect(screen.getByRole('alertdialog')).toContainElement(document.activeElement as HTMLElement);
    expect(within(screen.getByRole('alertdialog')).getByRole('checkbox')).not.toBeChecked();
    await user.keyboard('{Escape}');
    await waitFor(() => expect(getTransfers().skipped).toBe(1));
    expect(getTransfers().items.find((i) => i.state === 'skipped')?.requestedName).toBe(`reports/${second}`);
  });

  it('shows a download as a row handed to the browser', async () => {
    stubFetch({
      'POST /api/v1/azure_blob/connections/{id}/blobs/link': () =>
        jsonResponse({ url: '/api/v1/blob_links/t', expires_at: '2026-01-01T00:01:00Z', single_use: true }, 201),
    });
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {});
    renderWithProviders(<TransferPanel />);
    await act(() => downloadBlob({ connectionId: 1, container: 'docs', name: 'reports/q1.pdf', size: 3 * MiB }));
    expect(screen.getByText('q1.pdf')).toBeInTheDocument();
    expect(screen.getByText('from docs/reports/')).toBeInTheDocument();
    expect(screen.getByText('Started in your browser’s downloads')).toBeInTheDocument();
    expect(screen.getByText('3.0 MiB')).toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
  });

  it('announces completions politely', async () => {
    stubNames();
    renderWithProviders(<TransferPanel />);
    act(() => enqueueUploads(target, [file('a.txt')]));
    await waitFor(() => expect(pendingXhrs()).toHaveLength(1));
    act(() => xhrFor('reports/a.txt').respond(201, { items: [] }));
    const status = screen.getByRole('status');
    expect(status).toHaveAttribute('aria-live', 'polite');
    await waitFor(() => expect(status).toHaveTextContent('Uploaded a.txt to docs/reports/.'), { timeout: 2_000 });
  });
});
