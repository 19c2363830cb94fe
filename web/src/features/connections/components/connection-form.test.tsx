import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { ConnectionForm } from '@/features/connections/components/connection-form';
import { azuriteAccountKey } from '@/features/connections/form/auth-type-fields';
import { emulatorValues } from '@/features/connections/form/connection-form-values';
import type { Connection } from '@/lib/api/connections';
import { renderWithProviders } from '@/testing/render';
import { jsonResponse, problemResponse, stubFetch } from '@/testing/stub-fetch';

const stored: Connection = {
  id: 7,
  user_id: 1,
  name: 'Work storage',
  auth_type: 'account_key',
  account_name: 'contosodata',
  endpoint: 'https://contosodata.blob.core.windows.net',
  container_name: 'docs',
  is_active: true,
  sync_preferences: null,
  created_at: '2026-11-26T03:27:38Z',
  updated_at: '2026-11-26T03:27:38Z',
};

function renderForm(props: Partial<Parameters<typeof ConnectionForm>[0]> = {}) {
  const onSaved = vi.fn();
  const onClose = vi.fn();
  const view = renderWithProviders(<ConnectionForm open onClose={onClose} onSaved={onSaved} {...props} />);
  return { ...view, onSaved, onClose };
}

const field = (label: RegExp) => screen.getByLabelText(label);

// Typing through user-event is slow on a busy machine; these tests type a lot.
vi.setConfig({ testTimeout: 20_000 });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('ConnectionForm: the fields of each auth type', () => {
  it.each([
    ['Connection string', ['Connection string'], ['Account key', 'Account name', 'Endpoint']],
    ['Account name and key', ['Account key', 'Account name', 'Endpoint'], ['Connection string', 'SAS token']],
    ['SAS token', ['SAS token', 'Account name', 'Endpoint'], ['Account key', 'Client secret']],
    ['Service principal', ['Tenant ID', 'Client ID', 'Client secret', 'Account name'], ['Account key', 'Access token']],
    ['Entra ID access token', ['Access token', 'Account name'], ['Account key', 'Client secret']],
    [
      'Anonymous (public access)',
      ['Account name', 'Default container'],
      ['Account key', 'SAS token', 'Access token', 'Connection string'],
    ],
  ])('%s shows its fields, each with a hint', async (type, shown, hidden) => {
    const view = renderForm();
    await view.user.selectOptions(field(/^Authentication type/), type);
    for (const label of shown) {
      const input = field(new RegExp(`^${label}`));
      expect(input).toBeInTheDocument();
      // Every field has a one-line hint (its description).
      expect(input.getAttribute('aria-describedby')).toBeTruthy();
    }
    for (const label of hidden) expect(screen.queryByLabelText(new RegExp(`^${label}`))).toBeNull();
  });

  it('makes secret fields write-only password inputs with a show/hide toggle', async () => {
    const view = renderForm();
    await view.user.selectOptions(field(/^Authentication type/), 'Service principal');
    expect(field(/^Client secret/)).toHaveAttribute('type', 'password');
    expect(field(/^Tenant ID/)).toHaveAttribute('type', 'text');
    await view.user.click(screen.getByRole('button', { name: 'Show client secret' }));
    expect(field(/^Client secret/)).toHaveAttribute('type', 'text');
    await view.user.click(screen.getByRole('button', { name: 'Hide client secret' }));
    expect(field(/^Client secret/)).toHaveAttribute('type', 'password');
  });
});

describe('ConnectionForm: validation before sending', () => {
  it('names what is missing or wrong, on its field, and sends nothing', async () => {
    const { calls } = stubFetch({});
    const view = renderForm();
    await view.user.selectOptions(field(/^Authentication type/), 'Account name and key');
    await view.user.type(field(/^Account name/), 'Contoso_Data');
    await view.user.type(field(/^Account key/), 'not a key!');
    await view.user.type(field(/^Default container/), 'My--Docs');
    await view.user.click(screen.getByRole('button', { name: 'Add connection' }));

    expect(screen.getByText('Enter a name for the connection.')).toBeInTheDocument();
    expect(screen.getByText('Account names are 3 to 24 lowercase letters and digits.')).toBeInTheDocument();
    expect(screen.getByText(/This is not an account key/)).toBeInTheDocument();
    expect(screen.getByText(/Container names are 3 to 63 lowercase letters/)).toBeInTheDocument();
    expect(field(/^Name/)).toHaveFocus();
    expect(calls('POST', '/api/v1/azure_blob/connections')).toHaveLength(0);
  });

  it('accepts any account name when an endpoint is given, and checks the endpoint', async () => {
    stubFetch({});
    const view = renderForm();
    await view.user.selectOptions(field(/^Authentication type/), 'Anonymous (public access)');
    await view.user.type(field(/^Name/), 'Public data');
    await view.user.type(field(/^Account name/), 'Not_Standard');
    await view.user.type(field(/^Endpoint/), 'http://storage.example.com');
    await view.user.click(screen.getByRole('button', { name: 'Add connection' }));
    expect(screen.queryByText(/Account names are/)).toBeNull();
    expect(screen.getByText('Use https: plain http is only for a local emulator.')).toBeInTheDocument();
  });

  it('sends a new connection with its credentials', async () => {
    const { calls } = stubFetch({
      'POST /api/v1/azure_blob/connections': () => jsonResponse({ ...stored, id: 8, name: 'Backups' }, 201),
    });
    const view = renderForm();
    await view.user.selectOptions(field(/^Authentication type/), 'SAS token');
    await view.user.type(field(/^Name/), '  Backups ');
    await view.user.type(field(/^SAS token/), '?sv=2024-11-04&sp=rl&sig=abc');
    await view.user.type(field(/^Account name/), 'contosobackup');
    await view.user.click(screen.getByRole('button', { name: 'Add connection' }));
    await waitFor(() => expect(view.onSaved).toHaveBeenCalled());
    expect(calls('POST', '/api/v1/azure_blob/connections')[0]?.body).toEqual({
      name: 'Backups',
      auth_type: 'sas_token',
      account_name: 'contosobackup',
      credentials: { sas_token: '?sv=2024-11-04&sp=rl&sig=abc' },
      is_active: true,
    });
  });
});

describe('ConnectionForm: editing keeps secrets write-only', () => {
  it('never pre-fills a secret and says that empty keeps the stored one', () => {
    renderForm({ connection: stored });
    const key = field(/^Account key/);
    expect(key).toHaveValue('');
    expect(key).toHaveAttribute('type', 'password');
    expect(screen.getByText(/Leave empty to keep the stored account key\./)).toBeInTheDocument();
    expect(field(/^Name/)).toHaveValue('Work storage');
    expect(field(/^Account name/)).toHaveValue('contosodata');
    // The default endpoint is shown as the default, not as a value.
    expect(field(/^Endpoint/)).toHaveValue('');
    expect(field(/^Default container/)).toHaveValue('docs');
  });

  it('omits credentials from the PATCH when the secret is left empty', async () => {
    const { calls } = stubFetch({
      'PATCH /api/v1/azure_blob/connections/{id}': () => jsonResponse({ ...stored, name: 'Team storage' }),
    });
    const view = renderForm({ connection: stored });
    await view.user.clear(field(/^Name/));
    await view.user.type(field(/^Name/), 'Team storage');
    await view.user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(view.onSaved).toHaveBeenCalled());
    const body = calls('PATCH', '/api/v1/azure_blob/connections/7')[0]?.body as Record<string, unknown>;
    expect(body).toEqual({ name: 'Team storage', is_active: true });
    expect(body).not.toHaveProperty('credentials');
  });

  it('sends the new secret when one is typed', async () => {
    const { calls } = stubFetch({ 'PATCH /api/v1/azure_blob/connections/{id}': () => jsonResponse(stored) });
    const view = renderForm({ connection: stored });
    await view.user.click(field(/^Account key/));
    await view.user.paste(azuriteAccountKey);
    await view.user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(view.onSaved).toHaveBeenCalled());
    expect(calls('PATCH', '/api/v1/azure_blob/connections/7')[0]?.body).toEqual({
      is_active: true,
      credentials: { account_key: azuriteAccountKey },
    });
  });

  it('needs new credentials when the auth type changes', async () => {
    const { calls } = stubFetch({});
    const view = renderForm({ connection: stored });
    await view.user.selectOptions(field(/^Authentication type/), 'SAS token');
    expect(screen.getByText(/Changing the authentication type needs new credentials/)).toBeInTheDocument();
    await view.user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(screen.getByText('Enter the SAS token.')).toBeInTheDocument();
    expect(calls('PATCH', '/api/v1/azure_blob/connections/7')).toHaveLength(0);
  });

  it('asks for every service principal field once one is given', async () => {
    const sp: Connection = { ...stored, auth_type: 'service_principal' };
    stubFetch({});
    const view = renderForm({ connection: sp });
    expect(screen.getByText(/Leave all 3 empty to keep them/)).toBeInTheDocument();
    await view.user.type(field(/^Client secret/), 'new-secret');
    await view.user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(screen.getByText(/Enter the tenant ID too/)).toBeInTheDocument();
    expect(screen.getByText(/Enter the client ID too/)).toBeInTheDocument();
  });
});

describe('ConnectionForm: the server says no', () => {
  it('puts 422 field errors on their fields and keeps what was typed', async () => {
    stubFetch({
      'POST /api/v1/azure_blob/connections': () =>
        problemResponse(422, 'validation_error', 'credentials.account_key must be a base64 account key', {
          errors: [
            { field: 'credentials.account_key', message: 'must be a base64 account key' },
            { field: 'container_name', message: 'must be 3 to 63 lowercase letters, digits and single hyphens' },
          ],
        }),
    });
    const view = renderForm();
    await view.user.selectOptions(field(/^Authentication type/), 'Account name and key');
    await view.user.type(field(/^Name/), 'Work');
    await view.user.type(field(/^Account name/), 'contosodata');
    await view.user.type(field(/^Account key/), 'AAAA');
    await view.user.type(field(/^Default container/), 'docs');
    await view.user.click(screen.getByRole('button', { name: 'Add connection' }));

    const keyField = field(/^Account key/);
    await waitFor(() => expect(keyField).toHaveAttribute('aria-invalid', 'true'));
    expect(screen.getByText('Must be a base64 account key.')).toBeInTheDocument();
    expect(screen.getByText('Must be 3 to 63 lowercase letters, digits and single hyphens.')).toBeInTheDocument();
    expect(keyField).toHaveFocus();
    expect(field(/^Name/)).toHaveValue('Work');
    expect(field(/^Account name/)).toHaveValue('contosodata');
    expect(keyField).toHaveValue('AAAA');
    expect(field(/^Default container/)).toHaveValue('docs');
    expect(view.onSaved).not.toHaveBeenCalled();
  });

  it('puts connection_name_taken on the name and endpoint_not_allowed on the endpoint', async () => {
    let answer = problemResponse(409, 'connection_name_taken', 'a connection named "Work" exists');
    stubFetch({ 'POST /api/v1/azure_blob/connections': () => answer });
    const view = renderForm();
    await view.user.selectOptions(field(/^Authentication type/), 'Anonymous (public access)');
    await view.user.type(field(/^Name/), 'Work');
    await view.user.type(field(/^Account name/), 'contosodata');
    await view.user.type(field(/^Endpoint/), 'https://10.0.0.5');
    await view.user.click(screen.getByRole('button', { name: 'Add connection' }));
    expect(await screen.findByText(/You already have a connection with this name/)).toBeInTheDocument();
    expect(field(/^Name/)).toHaveAttribute('aria-invalid', 'true');

    answer = problemResponse(422, 'endpoint_not_allowed', 'endpoint host 10.0.0.5 is not allowed');
    await view.user.clear(field(/^Name/));
    await view.user.type(field(/^Name/), 'Work 2');
    await view.user.click(screen.getByRole('button', { name: 'Add connection' }));
    expect(await screen.findByText('Endpoint host 10.0.0.5 is not allowed.')).toBeInTheDocument();
    expect(field(/^Endpoint/)).toHaveAttribute('aria-invalid', 'true');
    expect(field(/^Endpoint/)).toHaveValue('https://10.0.0.5');
  });

  it('shows an error it cannot place at the top, keeping the form as typed', async () => {
    stubFetch({
      'POST /api/v1/azure_blob/connections': () => problemResponse(503, 'server_busy', 'the server is busy; try again'),
    });
    const view = renderForm();
    await view.user.type(field(/^Name/), 'Work');
    await view.user.type(field(/^Connection string/), 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=b');
    await view.user.click(screen.getByRole('button', { name: 'Add connection' }));
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText('the server is busy; try again')).toBeInTheDocument();
    expect(field(/^Connection string/)).toHaveValue('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=b');
  });
});

describe('ConnectionForm: the local emulator', () => {
  it('starts filled with the emulator account, endpoint and well-known key', () => {
    renderForm({
      initialValues: emulatorValues({
        account_name: 'devstoreaccount1',
        endpoint: 'http://127.0.0.1:10000/devstoreaccount1',
      }),
    });
    expect(field(/^Name/)).toHaveValue('Local emulator');
    expect(field(/^Authentication type/)).toHaveValue('account_key');
    expect(field(/^Account name/)).toHaveValue('devstoreaccount1');
    expect(field(/^Endpoint/)).toHaveValue('http://127.0.0.1:10000/devstoreaccount1');
    expect(field(/^Account key/)).toHaveValue(azuriteAccountKey);
  });
});
