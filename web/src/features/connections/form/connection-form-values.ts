// The connection form's values, its checks (the API's rules, checked before sending), the
// request bodies built from it, and the server's field errors placed back on its fields.
import type { ConnectionCreate } from '@/features/connections/api/create-connection';
import type { ConnectionUpdate } from '@/features/connections/api/update-connection';
import { authTypeSpecs, azuriteAccountKey, type CredentialKey } from '@/features/connections/form/auth-type-fields';
import type { AuthType, Connection } from '@/lib/api/connections';
import { asSentence, type ProblemError } from '@/lib/api/problem';
import type { components } from '@/lib/api/schema.gen';

export interface ConnectionFormValues {
  name: string;
  authType: AuthType;
  accountName: string;
  endpoint: string;
  containerName: string;
  isActive: boolean;
  credentials: Record<CredentialKey, string>;
}

/** Field names as the API names them in 422 `errors[].field`. */
export type FieldKey =
  'name' | 'auth_type' | 'account_name' | 'endpoint' | 'container_name' | 'is_active' | `credentials.${CredentialKey}`;

export type FieldErrors = Partial<Record<FieldKey, string>>;

export const maxNameLength = 100;

export function emptyCredentials(): Record<CredentialKey, string> {
  return {
    connection_string: '',
    account_key: '',
    sas_token: '',
    tenant_id: '',
    client_id: '',
    client_secret: '',
    access_token: '',
  };
}

export function newConnectionValues(): ConnectionFormValues {
  return {
    name: '',
    authType: 'connection_string',
    accountName: '',
    endpoint: '',
    containerName: '',
    isActive: true,
    credentials: emptyCredentials(),
  };
}

/** The public endpoint Azure gives an account; the form leaves the field empty when it is this one. */
export function defaultEndpoint(accountName: string): string {
  return `https://${accountName || '{account}'}.blob.core.windows.net`;
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}

/** An existing connection in the form: every setting, and no secret (the API never sends one). */
export function valuesFromConnection(connection: Connection): ConnectionFormValues {
  const fromString = authTypeSpecs[connection.auth_type].accountFromCredentials;
  return {
    name: connection.name,
    authType: connection.auth_type,
    accountName: connection.account_name,
    endpoint:
      !fromString && sameUrl(connection.endpoint, defaultEndpoint(connection.account_name)) ? '' : connection.endpoint,
    containerName: connection.container_name ?? '',
    isActive: connection.is_active,
    credentials: emptyCredentials(),
  };
}

/** The server's local emulator (Azurite), with its published development key. */
export function emulatorValues(emulator: components['schemas']['LocalEmulator']): ConnectionFormValues {
  return {
    ...newConnectionValues(),
    name: 'Local emulator',
    authType: 'account_key',
    accountName: emulator.account_name,
    endpoint: emulator.endpoint,
    credentials: { ...emptyCredentials(), account_key: azuriteAccountKey },
  };
}

const accountNamePattern = /^[a-z0-9]{3,24}$/;

/** Azure's container naming rule: 3..63 lowercase letters, digits and single hyphens, alphanumeric at both ends; `$root` and `$web`. */
export function isValidContainerName(name: string): boolean {
  if (name === '$root' || name === '$web') return true;
  return name.length >= 3 && name.length <= 63 && /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9]))*$/.test(name);
}

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Whether the form holds new credentials (any credential field filled). */
export function hasNewCredentials(values: ConnectionFormValues): boolean {
  return authTypeSpecs[values.authType].credentials.some((f) => values.credentials[f.key].trim() !== '');
}

/**
 * What is wrong with the values, by field, as the API would say it (so that most mistakes are
 * caught before a round trip). `original` is the connection being edited.
 */
export function validateConnection(values: ConnectionFormValues, original?: Connection): FieldErrors {
  const errors: FieldErrors = {};
  const spec = authTypeSpecs[values.authType];

  const name = values.name.trim();
  if (!name) errors.name = 'Enter a name for the connection.';
  else if ([...values.name].length > maxNameLength) errors.name = `Use at most ${maxNameLength} characters.`;

  const needNew = !original || original.auth_type !== values.authType;
  const filled = spec.credentials.filter((f) => values.credentials[f.key].trim() !== '');
  for (const field of spec.credentials) {
    if (values.credentials[field.key].trim()) continue;
    if (needNew) {
      errors[`credentials.${field.key}`] = `Enter the ${field.noun}.`;
    } else if (filled.length > 0) {
      errors[`credentials.${field.key}`] =
        `Enter the ${field.noun} too, or leave all ${spec.credentials.length} empty to keep the stored credentials.`;
    }
  }
  const key = values.credentials.account_key.trim();
  if (values.authType === 'account_key' && key && !(/^[A-Za-z0-9+/]+={0,2}$/.test(key) && key.length % 4 === 0)) {
    errors['credentials.account_key'] = 'This is not an account key: keys are base64, 88 characters ending in "==".';
  }
  const tenant = values.credentials.tenant_id.trim();
  if (values.authType === 'service_principal' && tenant && !/^[A-Za-z0-9.-]+$/.test(tenant)) {
    errors['credentials.tenant_id'] =
      "Enter the tenant ID (a GUID) or the tenant's domain, such as contoso.onmicrosoft.com.";
  }
  const connectionString = values.credentials.connection_string.trim();
  if (values.authType === 'connection_string' && connectionString && !/[A-Za-z]+=/.test(connectionString)) {
    errors['credentials.connection_string'] =
      'This is not a connection string: it reads "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…".';
  }

  if (!spec.accountFromCredentials) {
    const account = values.accountName.trim();
    const endpoint = values.endpoint.trim();
    const sasUrl = values.authType === 'sas_token' && /^https?:\/\//i.test(values.credentials.sas_token.trim());
    if (!account && !endpoint && !sasUrl) {
      errors.account_name = 'Enter the storage account name (or an endpoint).';
    } else if (account && !endpoint && !accountNamePattern.test(account)) {
      errors.account_name = 'Account names are 3 to 24 lowercase letters and digits.';
    } else if (account.length > 255) {
      errors.account_name = 'Use at most 255 characters.';
    }
    if (endpoint) {
      let url: URL | null = null;
      try {
        url = new URL(endpoint);
      } catch {
        url = null;
      }
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) {
        errors.endpoint = 'Enter a URL such as https://myaccount.blob.core.windows.net.';
      } else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
        errors.endpoint = 'Use https: plain http is only for a local emulator.';
      } else if (url.search || url.hash) {
        errors.endpoint = 'Leave out the "?…" part: a SAS goes in the SAS token field.';
      }
    }
  }

  const container = values.containerName.trim();
  if (container && !isValidContainerName(container)) {
    errors.container_name =
      'Container names are 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.';
  }
  return errors;
}

function credentialsOf(values: ConnectionFormValues): ConnectionCreate['credentials'] {
  const fields = authTypeSpecs[values.authType].credentials;
  return Object.fromEntries(
    fields.map((f) => [f.key, values.credentials[f.key].trim()]),
  ) as ConnectionCreate['credentials'];
}

/** The POST body for a new connection. */
export function toCreateBody(values: ConnectionFormValues): ConnectionCreate {
  const spec = authTypeSpecs[values.authType];
  const body: ConnectionCreate = {
    name: values.name.trim(),
    auth_type: values.authType,
    credentials: credentialsOf(values),
    is_active: values.isActive,
  };
  if (!spec.accountFromCredentials) {
    if (values.accountName.trim()) body.account_name = values.accountName.trim();
    if (values.endpoint.trim()) body.endpoint = values.endpoint.trim();
  }
  if (values.containerName.trim()) body.container_name = values.containerName.trim();
  return body;
}

/**
 * The PATCH body for an edit: the settings that changed (an emptied one as null: back to its
 * default), and `credentials` only when new ones were typed or the auth type changed; left
 * empty, the stored secret is kept.
 */
export function toUpdateBody(values: ConnectionFormValues, original: Connection): ConnectionUpdate {
  const initial = valuesFromConnection(original);
  const spec = authTypeSpecs[values.authType];
  const body: ConnectionUpdate = { is_active: values.isActive };
  if (values.name.trim() !== original.name) body.name = values.name.trim();
  const typeChanged = values.authType !== original.auth_type;
  if (typeChanged) body.auth_type = values.authType;
  if (typeChanged || hasNewCredentials(values)) body.credentials = credentialsOf(values);
  if (!spec.accountFromCredentials) {
    if (values.accountName.trim() !== initial.accountName) body.account_name = values.accountName.trim() || null;
    if (values.endpoint.trim() !== initial.endpoint) body.endpoint = values.endpoint.trim() || null;
  }
  if (values.containerName.trim() !== initial.containerName) body.container_name = values.containerName.trim() || null;
  return body;
}

/**
 * The server's answer put back on the form: 422 `errors[]` on their fields, 409
 * connection_name_taken on the name, endpoint_not_allowed on the endpoint; `unplaced` says
 * whether something remains that only the form-level message can show.
 */
export function placeServerErrors(
  error: ProblemError,
  values: ConnectionFormValues,
): { fields: FieldErrors; unplaced: boolean } {
  const spec = authTypeSpecs[values.authType];
  const visible = new Set<string>(['name', 'auth_type', 'container_name', 'is_active']);
  if (!spec.accountFromCredentials) {
    visible.add('account_name');
    visible.add('endpoint');
  }
  for (const f of spec.credentials) visible.add(`credentials.${f.key}`);
  const firstCredential = spec.credentials[0] ? (`credentials.${spec.credentials[0].key}` as FieldKey) : null;

  const fields: FieldErrors = {};
  let unplaced = false;
  const put = (field: FieldKey, message: string) => {
    fields[field] = fields[field] ? `${fields[field]} ${message}` : message;
  };
  for (const item of error.problem.errors ?? []) {
    let field = item.field;
    if (field === 'credentials' && firstCredential) field = firstCredential;
    // A connection string's account and endpoint come from the string itself.
    if (spec.accountFromCredentials && (field === 'account_name' || field === 'endpoint') && firstCredential) {
      field = firstCredential;
    }
    if (visible.has(field)) put(field as FieldKey, asSentence(item.message));
    else unplaced = true;
  }
  if (error.code === 'connection_name_taken' && !fields.name) {
    put('name', 'You already have a connection with this name: choose another.');
  }
  if (error.code === 'endpoint_not_allowed' && !error.problem.errors?.length) {
    const target: FieldKey | null = spec.accountFromCredentials ? firstCredential : 'endpoint';
    if (target) put(target, asSentence(error.problem.detail ?? 'This endpoint is not allowed by the server.'));
    else unplaced = true;
  }
  if (!Object.keys(fields).length) unplaced = true;
  return { fields, unplaced };
}
