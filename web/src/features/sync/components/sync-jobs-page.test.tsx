import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { SyncJob } from '@/features/sync/api/sync-jobs';
import SyncJobsPage from '@/features/sync/components/sync-jobs-page';
import { connection, progress, syncJob, syncPlan, syncRun } from '@/features/sync/sync-fixtures';
import { dialogButton, findDialog } from '@/testing/dialogs';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, problemResponse, stubFetch, type Responder } from '@/testing/stub-fetch';

vi.setConfig({ testTimeout: 20_000 });

afterEach(() => vi.unstubAllGlobals());

const base = '/api/v1/azure_blob/connections/{id}';
const jobsPath = '/api/v1/azure_blob/connections/7/sync_jobs';

function stubApi(jobs: () => SyncJob[], extra: Record<string, Responder> = {}) {
  return stubFetch({
    [`GET ${base}`]: () => jsonResponse(connection),
    'GET /api/v1/azure_blob/connections': () => jsonResponse({ items: [connection], total: 1 }),
    [`GET ${base}/sync_jobs`]: () => jsonResponse({ items: jobs(), total: jobs().length }),
    ...extra,
  });
}

function renderPage(route = '/sync/7') {
  return renderWithProviders(<SyncJobsPage />, { route, path: '/sync/:connectionId' });
}

/** The card of a job, by the words of its two ends ("docs/reports/ to team-a/reports"). */
function card(name: RegExp) {
  return screen.getByRole('group', { name });
}

/** A text/event-stream body that sends `frames` one chunk each, cut mid-frame on purpose. */
function eventStream(frames: string[]): Response {
  const encoder = new TextEncoder();
  const text = frames.join('');
  const cut = Math.floor(text.length / 2);
  const chunks = [text.slice(0, cut), text.slice(cut)];
  return new Response(
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    }),
    { status: 200, headers: { 'Content-Type': 'text/event-stream' } },
  );
}

describe('SyncJobsPage', () => {
  it('lists the jobs with their status, progress and last error', async () => {
    stubApi(() => [
      syncJob({
        id: 3,
        status: 'running',
        direction: 'copy',
        container: 'media',
        prefix: '',
        local_path: null,
        target: { connection_id: 7, container: 'backup', prefix: 'media/' },
        progress: progress({ files_total: 10, files_done: 4, bytes_total: 4096, bytes_done: 1024 }),
      }),
      syncJob({
        id: 2,
        status: 'failed',
        delete_extraneous: true,
        max_delete: 10,
        last_error: 'nothing was deleted: 57 deletes are more than max_delete (10)',
        last_error_code: 'too_many_deletes',
      }),
      syncJob({ id: 1, interval_seconds: 3600, next_run_at: '2999-01-01T00:00:00Z' }),
    ]);
    renderPage();
    expect(await screen.findByText('3 jobs, 1 queued or running')).toBeInTheDocument();

    const running = card(/^Copy media\/ to backup\/media\//);
    expect(within(running).getByText('Running')).toBeInTheDocument();
    expect(within(running).getByRole('progressbar', { name: 'Progress of media/ to backup/media/' })).toHaveAttribute(
      'aria-valuenow',
      '0.25',
    );
    expect(within(running).getByText(/4 of 10 files · 4 copied · 1.0 KiB of 4.0 KiB/)).toBeInTheDocument();
    expect(within(running).getByRole('button', { name: 'Cancel run: media/ to backup/media/' })).toBeEnabled();

    const failed = screen.getAllByRole('group', { name: /^Download docs\/reports\/ to team-a\/reports/ })[0]!;
    expect(within(failed).getByText('Failed')).toBeInTheDocument();
    expect(
      within(failed).getByText('Nothing was deleted: 57 deletes are more than max_delete (10).'),
    ).toBeInTheDocument();
    expect(within(failed).getByText('too_many_deletes')).toBeInTheDocument();
    expect(within(failed).getByText(/deletes extra items \(at most 10\)/)).toBeInTheDocument();

    const scheduled = screen.getAllByRole('group', { name: /^Download docs\/reports\/ to team-a\/reports/ })[1]!;
    expect(within(scheduled).getByText('Succeeded')).toBeInTheDocument();
    expect(within(scheduled).getByText(/Every hour · next run in/)).toBeInTheDocument();
    expect(within(scheduled).getByText('3 downloaded, 2 up to date · 3.0 KiB')).toBeInTheDocument();
    expect(within(scheduled).getByRole('link', { name: /details and history/ })).toHaveAttribute('href', '/sync/7/1');
  });

  it('says what to do when there is no job yet, and opens the form', async () => {
    stubApi(() => [], {
      [`GET ${base}/containers`]: () => jsonResponse({ items: [], next_marker: null }),
    });
    const view = renderPage();
    expect(await screen.findByText('No sync jobs yet')).toBeInTheDocument();
    await view.user.click(screen.getByRole('button', { name: 'New sync job' }));
    expect(view.location()).toBe('/sync/7?new=1');
    expect(await findDialog('dialog', 'New sync job')).toBeInTheDocument();
  });

  it('shows the API’s error with a retry', async () => {
    let fail = true;
    stubFetch({
      [`GET ${base}`]: () => jsonResponse(connection),
      'GET /api/v1/azure_blob/connections': () => jsonResponse({ items: [connection], total: 1 }),
      [`GET ${base}/sync_jobs`]: () =>
        fail ? problemResponse(503, 'server_busy', 'The server is busy.') : jsonResponse({ items: [], total: 0 }),
    });
    const view = renderPage();
    expect(await screen.findByText('The server is busy.')).toBeInTheDocument();
    fail = false;
    await view.user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('No sync jobs yet')).toBeInTheDocument();
  });

  it('says so when the connection does not exist', async () => {
    stubFetch({
      [`GET ${base}`]: () => problemResponse(404, 'connection_not_found', 'no such connection'),
      'GET /api/v1/azure_blob/connections': () => jsonResponse({ items: [], total: 0 }),
      [`GET ${base}/sync_jobs`]: () => problemResponse(404, 'connection_not_found', 'no such connection'),
    });
    renderPage('/sync/99');
    expect(await screen.findByText('This connection does not exist (or was deleted)')).toBeInTheDocument();
  });

  it('runs a job that does not delete at once', async () => {
    let jobs = [syncJob()];
    const { calls } = stubApi(() => jobs, {
      [`POST ${base}/sync_jobs/{job_id}/run`]: () => {
        jobs = [syncJob({ status: 'queued', progress: progress() })];
        return jsonResponse(syncRun({ id: 42, status: 'queued', trigger: 'manual', progress: progress() }), 202);
      },
    });
    const view = renderPage();
    await view.user.click(await screen.findByRole('button', { name: 'Run now: docs/reports/ to team-a/reports' }));
    expect(await screen.findByText('Started a run of docs/reports/ → team-a/reports.')).toBeInTheDocument();
    expect(calls('POST', `${jobsPath}/12/run`)).toHaveLength(1);
    expect(calls('POST', `${jobsPath}/12/plan`)).toHaveLength(0);
    expect(await screen.findByText('Queued')).toBeInTheDocument();
  });

  it('shows the plan of a job that deletes before its first run, and runs only once confirmed', async () => {
    const job = syncJob({ status: 'failed', delete_extraneous: true, max_delete: 100 });
    const { calls } = stubApi(() => [job], {
      [`GET ${base}/sync_jobs/{job_id}/runs`]: () =>
        jsonResponse({ items: [syncRun({ status: 'failed' }), syncRun({ id: 40, status: 'cancelled' })], total: 2 }),
      [`POST ${base}/sync_jobs/{job_id}/plan`]: () => jsonResponse(syncPlan()),
      [`POST ${base}/sync_jobs/{job_id}/run`]: () =>
        jsonResponse(syncRun({ id: 42, status: 'queued', trigger: 'manual', progress: progress() }), 202),
    });
    const view = renderPage();
    await view.user.click(await screen.findByRole('button', { name: 'Run now: docs/reports/ to team-a/reports' }));

    let dialog = await findDialog('alertdialog', 'Review before running');
    expect(await within(dialog).findByText('To be deleted')).toBeInTheDocument();
    const counts = within(dialog)
      .getAllByRole('definition', { hidden: true })
      .map((d) => d.textContent);
    expect(counts).toEqual(['2 (3.0 MiB)', '850', '3']);
    const actions = within(dialog).getByRole('list', { name: '5 actions', hidden: true });
    expect(
      within(actions)
        .getAllByRole('listitem', { hidden: true })
        .map((li) => li.textContent),
    ).toEqual([
      'Downloadq1/summary.pdf2.0 MiB',
      'Deleteq2/draft.docx18.0 KiB',
      'Downloadq2/summary.pdf1.0 MiB',
      'Deleteq3/old.csv1.0 KiB',
      'Deletezzz.tmp0 B',
    ]);
    // Not yet: Cancel leaves it as it is.
    await view.user.click(await dialogButton(dialog, 'Cancel'));
    await waitFor(() => expect(screen.queryByRole('alertdialog', { hidden: true })).toBeNull());
    expect(calls('POST', `${jobsPath}/12/run`)).toHaveLength(0);

    await view.user.click(screen.getByRole('button', { name: 'Run now: docs/reports/ to team-a/reports' }));
    dialog = await findDialog('alertdialog', 'Review before running');
    await view.user.click(await dialogButton(dialog, 'Run and delete 3 items'));
    await waitFor(() => expect(calls('POST', `${jobsPath}/12/run`)).toHaveLength(1));
    await waitFor(() => expect(screen.queryByRole('alertdialog', { hidden: true })).toBeNull());
    // The plan was asked for each time the dialog opened.
    expect(calls('POST', `${jobsPath}/12/plan`)).toHaveLength(2);
  });

  it('says when a plan’s deletes would be refused', async () => {
    const job = syncJob({ status: 'failed', delete_extraneous: true, max_delete: 1 });
    stubApi(() => [job], {
      [`GET ${base}/sync_jobs/{job_id}/runs`]: () => jsonResponse({ items: [syncRun({ status: 'failed' })], total: 1 }),
      [`POST ${base}/sync_jobs/{job_id}/plan`]: () =>
        jsonResponse(
          syncPlan({
            deletes_refused: {
              code: 'too_many_deletes',
              detail: 'nothing was deleted: 3 deletes are more than max_delete (1)',
            },
          }),
        ),
    });
    const view = renderPage();
    await view.user.click(await screen.findByRole('button', { name: 'Run now: docs/reports/ to team-a/reports' }));
    const dialog = await findDialog('alertdialog', 'Review before running');
    expect(await within(dialog).findByText('The run would delete nothing and fail')).toBeInTheDocument();
    expect(within(dialog).getByText(/3 deletes are more than max_delete \(1\)/)).toBeInTheDocument();
    expect(await dialogButton(dialog, 'Run anyway')).toBeEnabled();
  });

  it('runs a job that deletes at once when it already completed a run', async () => {
    const job = syncJob({ status: 'failed', delete_extraneous: true });
    const { calls } = stubApi(() => [job], {
      [`GET ${base}/sync_jobs/{job_id}/runs`]: () =>
        jsonResponse({ items: [syncRun({ status: 'failed' }), syncRun({ id: 40, status: 'succeeded' })], total: 2 }),
      [`POST ${base}/sync_jobs/{job_id}/run`]: () =>
        jsonResponse(syncRun({ id: 42, status: 'queued', trigger: 'manual', progress: progress() }), 202),
    });
    const view = renderPage();
    await view.user.click(await screen.findByRole('button', { name: 'Run now: docs/reports/ to team-a/reports' }));
    await waitFor(() => expect(calls('POST', `${jobsPath}/12/run`)).toHaveLength(1));
    expect(calls('POST', `${jobsPath}/12/plan`)).toHaveLength(0);
  });

  it('cancels a running job, and deletes a job once confirmed', async () => {
    let jobs = [syncJob({ status: 'running', progress: progress({ files_total: 2 }) })];
    const { calls } = stubApi(() => jobs, {
      [`GET ${base}/sync_jobs/{job_id}/events`]: () => problemResponse(409, 'sync_run_not_found', 'no run'),
      [`POST ${base}/sync_jobs/{job_id}/cancel`]: () => {
        jobs = [syncJob({ status: 'cancelled' })];
        return jsonResponse(syncRun({ status: 'running', finished_at: null }), 202);
      },
      [`DELETE ${base}/sync_jobs/{job_id}`]: () => {
        jobs = [];
        return new Response(null, { status: 204 });
      },
    });
    const view = renderPage();
    await view.user.click(await screen.findByRole('button', { name: 'Cancel run: docs/reports/ to team-a/reports' }));
    expect(await screen.findByText(/Stopping the run of docs\/reports\/ → team-a\/reports/)).toBeInTheDocument();
    expect(calls('POST', `${jobsPath}/12/cancel`)).toHaveLength(1);

    await view.user.click(screen.getByRole('button', { name: 'Delete the job docs/reports/ to team-a/reports' }));
    const confirm = await findDialog('alertdialog', 'Delete this sync job?');
    expect(within(confirm).getByText(/What was already downloaded stays where it is/)).toBeInTheDocument();
    await view.user.click(await dialogButton(confirm, 'Delete job'));
    expect(await screen.findByText('No sync jobs yet')).toBeInTheDocument();
    expect(calls('DELETE', `${jobsPath}/12`)).toHaveLength(1);
  });

  it('follows a running job over its event stream, with the bearer token, and refreshes at the end', async () => {
    localStorage.setItem('cerulean.session', JSON.stringify({ token: 't0ken', expiresAt: Date.now() + 60_000 }));
    const { startSession } = await import('@/lib/auth/session');
    startSession('t0ken', 60);
    let finished = false;
    const running = syncRun({
      status: 'running',
      trigger: 'manual',
      finished_at: null,
      progress: progress({ files_total: 8, files_done: 2, bytes_total: 8192, bytes_done: 2048 }),
    });
    const done = syncRun({
      status: 'succeeded',
      trigger: 'manual',
      progress: progress({ files_total: 8, files_done: 8, bytes_total: 8192, bytes_done: 8192 }),
    });
    const { calls } = stubApi(
      () => [
        finished
          ? syncJob({ status: 'succeeded', progress: done.progress })
          : syncJob({ status: 'running', finished_at: null, progress: progress() }),
      ],
      {
        [`GET ${base}/sync_jobs/{job_id}/events`]: () => {
          finished = true;
          return eventStream([
            `event: progress\ndata: ${JSON.stringify(running)}\n\n`,
            ': keep-alive\n\n',
            `event: end\ndata: ${JSON.stringify(done)}\n\n`,
          ]);
        },
      },
    );
    renderPage();
    expect(await screen.findByText('8 downloaded · 8.0 KiB')).toBeInTheDocument();
    const events = calls('GET', `${jobsPath}/12/events`);
    expect(events).toHaveLength(1);
    expect(events[0]!.headers.get('Authorization')).toBe('Bearer t0ken');
    expect(events[0]!.headers.get('Accept')).toBe('text/event-stream');
    // `end` refreshed the list from the server.
    await waitFor(() => expect(calls('GET', jobsPath).length).toBeGreaterThanOrEqual(2));
    expect(screen.getByText('Succeeded')).toBeInTheDocument();
  });
});
