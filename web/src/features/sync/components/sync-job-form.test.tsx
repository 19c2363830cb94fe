import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { SyncJobForm } from '@/features/sync/components/sync-job-form';
import { backupConnection, connection, syncJob, syncPlan } from '@/features/sync/sync-fixtures';
import { dialogButton, findDialog } from '@/testing/dialogs';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, problemResponse, stubFetch, type Responder } from '@/testing/stub-fetch';

vi.setConfig({ testTimeout: 20_000 });

afterEach(() => vi.unstubAllGlobals());

const jobsPath = '/api/v1/azure_blob/connections/7/sync_jobs';
const planPath = `${jobsPath}/plan`;

function stubApi(
  create: Responder = () => jsonResponse(syncJob({ status: 'queued' }), 202),
  plan: Responder = () => jsonResponse(syncPlan()),
) {
  return stubFetch({
    'GET /api/v1/azure_blob/connections': () => jsonResponse({ items: [connection, backupConnection], total: 2 }),
    'GET /api/v1/azure_blob/connections/{id}/containers': (_, { id }) =>
      jsonResponse({
        items: (id === '9' ? ['backup', 'archive'] : ['docs', 'media']).map((name) => ({ name, public_access: null })),
        next_marker: null,
      }),
    [`POST ${jobsPath}`]: create,
    [`POST ${planPath}`]: plan,
  });
}

function renderForm() {
  const onCreated = vi.fn();
  const onClose = vi.fn();
  // A connection without a default container: the container starts empty.
  const view = renderWithProviders(
    <SyncJobForm open connection={{ ...connection, container_name: null }} onClose={onClose} onCreated={onCreated} />,
  );
  return { ...view, onCreated, onClose };
}

const group = (name: string) => screen.getByRole('group', { name });

describe('SyncJobForm', () => {
  it('names what is missing or wrong on its field, focuses the first, and sends nothing', async () => {
    const { calls } = stubApi();
    const view = renderForm();
    await view.user.type(within(group('To')).getByLabelText('Folder on the server'), '../outside');
    await view.user.click(screen.getByRole('button', { name: 'Create job' }));

    expect(await screen.findByText('Choose or type a container.')).toBeInTheDocument();
    expect(screen.getByText('The folder cannot go up with “..”.')).toBeInTheDocument();
    expect(within(group('From')).getByRole('combobox', { name: /Container/ })).toHaveFocus();
    expect(calls('POST', jobsPath)).toHaveLength(0);
  });

  it('creates a download from a container picked in the list', async () => {
    const { calls } = stubApi();
    const view = renderForm();
    const from = group('From');
    await view.user.click(within(from).getByRole('combobox', { name: /Container/ }));
    await view.user.click(await screen.findByRole('option', { name: 'docs' }));
    await view.user.type(within(from).getByLabelText('Folder'), 'reports');
    await view.user.type(within(group('To')).getByLabelText('Folder on the server'), 'team-a/reports');
    await view.user.selectOptions(screen.getByRole('combobox', { name: 'Schedule' }), 'minutes');
    await view.user.clear(screen.getByLabelText(/Minutes between runs/));
    await view.user.type(screen.getByLabelText(/Minutes between runs/), '30');
    await view.user.click(screen.getByRole('button', { name: 'Create job' }));

    await waitFor(() => expect(view.onCreated).toHaveBeenCalled());
    expect(calls('POST', jobsPath)[0]?.body).toEqual({
      direction: 'download',
      container: 'docs',
      prefix: 'reports/',
      local_path: 'team-a/reports',
      target: null,
      delete_extraneous: false,
      max_delete: null,
      compare: 'size_mtime',
      interval_seconds: 1800,
    });
  });

  it('copies to a container of another connection, from that connection’s containers', async () => {
    const { calls } = stubApi();
    const view = renderForm();
    await view.user.click(screen.getByRole('radio', { name: /^Copy/ }));
    await view.user.type(within(group('From')).getByRole('combobox', { name: /Container/ }), 'media');
    const to = group('To');
    await view.user.selectOptions(within(to).getByRole('combobox', { name: /Connection/ }), 'Backups');
    await view.user.click(within(to).getByRole('combobox', { name: /Container/ }));
    await view.user.click(await screen.findByRole('option', { name: 'archive' }));
    await view.user.click(screen.getByRole('radio', { name: /Content \(MD5\)/ }));
    await view.user.click(screen.getByRole('button', { name: 'Create job' }));

    await waitFor(() => expect(view.onCreated).toHaveBeenCalled());
    expect(calls('POST', jobsPath)[0]?.body).toMatchObject({
      direction: 'copy',
      container: 'media',
      local_path: null,
      target: { connection_id: 9, container: 'archive', prefix: '' },
      compare: 'md5',
    });
  });

  it('shows the plan of a job that deletes before creating it, and creates it only when confirmed', async () => {
    const { calls } = stubApi(undefined, () => jsonResponse(syncPlan()));
    const view = renderForm();
    await view.user.type(within(group('From')).getByRole('combobox', { name: /Container/ }), 'docs');
    await view.user.type(within(group('To')).getByLabelText('Folder on the server'), 'mirror');
    await view.user.click(screen.getByRole('checkbox', { name: 'Delete items that are not in the source' }));
    const limit = screen.getByLabelText(/Most deletes per run/);
    expect(limit).toHaveValue(100);
    await view.user.clear(limit);
    await view.user.type(limit, '5');
    await view.user.click(screen.getByRole('button', { name: 'Create job' }));

    // The plan of the body the form would create: its counts, its first actions.
    let dialog = await findDialog('alertdialog', 'Review before creating');
    expect(dialog).toHaveTextContent('more than 5 items deletes nothing and fails');
    expect(await within(dialog).findByText('To be deleted')).toBeInTheDocument();
    expect(
      within(dialog)
        .getAllByRole('definition', { hidden: true })
        .map((d) => d.textContent),
    ).toEqual(['2 (3.0 MiB)', '850', '3']);
    const actions = within(dialog).getByRole('list', { name: '5 actions', hidden: true });
    expect(within(actions).getAllByRole('listitem', { hidden: true })[1]).toHaveTextContent('Deleteq2/draft.docx');
    expect(calls('POST', planPath)[0]?.body).toMatchObject({
      direction: 'download',
      container: 'docs',
      local_path: 'mirror',
      delete_extraneous: true,
      max_delete: 5,
    });

    // Cancel: nothing is created, and the form is as it was.
    await view.user.click(await dialogButton(dialog, 'Cancel'));
    await waitFor(() => expect(screen.queryByRole('alertdialog', { hidden: true })).toBeNull());
    expect(calls('POST', jobsPath)).toHaveLength(0);
    expect(screen.getByLabelText(/Most deletes per run/)).toHaveValue(5);

    // Again: planned afresh; confirmed, the same body is created.
    await view.user.click(screen.getByRole('button', { name: 'Create job' }));
    dialog = await findDialog('alertdialog', 'Review before creating');
    await view.user.click(await dialogButton(dialog, 'Create and delete 3 items'));
    await waitFor(() => expect(view.onCreated).toHaveBeenCalled());
    expect(calls('POST', planPath)).toHaveLength(2);
    expect(calls('POST', jobsPath)).toHaveLength(1);
    expect(calls('POST', jobsPath)[0]?.body).toEqual(calls('POST', planPath)[1]?.body);
  });

  it('says when the plan’s deletes would be refused, and can still create the job', async () => {
    const { calls } = stubApi(undefined, () =>
      jsonResponse(
        syncPlan({
          deletes_refused: {
            code: 'too_many_deletes',
            detail: 'nothing was deleted: 3 deletes are more than max_delete (1)',
          },
        }),
      ),
    );
    const view = renderForm();
    await view.user.type(within(group('From')).getByRole('combobox', { name: /Container/ }), 'docs');
    await view.user.click(screen.getByRole('checkbox', { name: 'Delete items that are not in the source' }));
    await view.user.click(screen.getByRole('button', { name: 'Create job' }));

    const dialog = await findDialog('alertdialog', 'Review before creating');
    expect(await within(dialog).findByText('The run would delete nothing and fail')).toBeInTheDocument();
    expect(within(dialog).getByText(/3 deletes are more than max_delete \(1\)/)).toBeInTheDocument();
    await view.user.click(await dialogButton(dialog, 'Create anyway'));
    await waitFor(() => expect(view.onCreated).toHaveBeenCalled());
    expect(calls('POST', jobsPath)).toHaveLength(1);
  });

  it('puts the plan’s field errors on the form’s fields, as a create’s', async () => {
    const { calls } = stubApi(undefined, () =>
      problemResponse(422, 'validation_error', 'invalid request', {
        errors: [{ field: 'max_delete', message: 'must be at most 1000000' }],
      }),
    );
    const view = renderForm();
    await view.user.type(within(group('From')).getByRole('combobox', { name: /Container/ }), 'docs');
    await view.user.click(screen.getByRole('checkbox', { name: 'Delete items that are not in the source' }));
    const limit = screen.getByLabelText(/Most deletes per run/);
    await view.user.clear(limit);
    await view.user.type(limit, '99999999');
    await view.user.click(screen.getByRole('button', { name: 'Create job' }));

    expect(await screen.findByText('This must be at most 1000000.')).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('alertdialog', { hidden: true })).toBeNull());
    await waitFor(() => expect(screen.getByLabelText(/Most deletes per run/)).toHaveFocus());
    expect(screen.getByLabelText(/Most deletes per run/)).toHaveValue(99999999);
    expect(calls('POST', jobsPath)).toHaveLength(0);
  });

  it('puts the server’s answer on the field and keeps what was typed', async () => {
    stubApi(() => problemResponse(422, 'invalid_local_path', "local path 'link' leads outside the sync root"));
    const view = renderForm();
    await view.user.type(within(group('From')).getByRole('combobox', { name: /Container/ }), 'docs');
    const local = within(group('To')).getByLabelText('Folder on the server');
    await view.user.type(local, 'link');
    await view.user.click(screen.getByRole('button', { name: 'Create job' }));

    expect(await screen.findByText("Local path 'link' leads outside the sync root.")).toBeInTheDocument();
    expect(local).toHaveValue('link');
    expect(local).toHaveFocus();
    expect(view.onCreated).not.toHaveBeenCalled();
  });

  it('shows a failure without a field above the form', async () => {
    stubApi(() => problemResponse(404, 'connection_not_found', 'no such connection'));
    const view = renderForm();
    await view.user.type(within(group('From')).getByRole('combobox', { name: /Container/ }), 'docs');
    await view.user.click(screen.getByRole('button', { name: 'Create job' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The job was not created');
    expect(alert).toHaveTextContent('no such connection');
  });
});
