// What each authentication type asks for: its credential fields (with where to find them in
// the Azure portal) and how the account name and endpoint apply to it.
import type { AuthType } from '@/lib/api/connections';

export type CredentialKey =
  'connection_string' | 'account_key' | 'sas_token' | 'tenant_id' | 'client_id' | 'client_secret' | 'access_token';

export interface CredentialField {
  key: CredentialKey;
  label: string;
  /** One line: what it is and where to find it. */
  hint: string;
  /** Write-only: a password input with a show/hide toggle, never pre-filled. */
  secret: boolean;
  /** The noun in "Leave empty to keep the stored …". */
  noun: string;
  placeholder?: string;
  multiline?: boolean;
}

export interface AuthTypeSpec {
  type: AuthType;
  /** One line under the choice: when to use it. */
  summary: string;
  credentials: CredentialField[];
  /** Account name and endpoint come from the credential itself (a connection string). */
  accountFromCredentials: boolean;
}

export const authTypeSpecs: Record<AuthType, AuthTypeSpec> = {
  connection_string: {
    type: 'connection_string',
    summary: 'The whole connection string of a storage account; the account name and endpoint are read from it.',
    accountFromCredentials: true,
    credentials: [
      {
        key: 'connection_string',
        label: 'Connection string',
        noun: 'connection string',
        secret: true,
        placeholder: 'DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…',
        hint: 'Portal: storage account > Security + networking > Access keys > Connection string (with an AccountKey or a SharedAccessSignature).',
      },
    ],
  },
  account_key: {
    type: 'account_key',
    summary: 'The account name and one of its two access keys: full access to the whole account.',
    accountFromCredentials: false,
    credentials: [
      {
        key: 'account_key',
        label: 'Account key',
        noun: 'account key',
        secret: true,
        hint: 'Portal: storage account > Security + networking > Access keys > key1 or key2 (base64, ends in "==").',
      },
    ],
  },
  sas_token: {
    type: 'sas_token',
    summary: 'A shared access signature: access limited to what the token grants, until it expires.',
    accountFromCredentials: false,
    credentials: [
      {
        key: 'sas_token',
        label: 'SAS token',
        noun: 'SAS token',
        secret: true,
        placeholder: 'sv=…&ss=b&srt=sco&sp=rl&se=…&sig=… or a full SAS URL',
        hint: 'Portal: storage account > Shared access signature, or a container > Shared access tokens > Generate; the token or the whole SAS URL.',
      },
    ],
  },
  service_principal: {
    type: 'service_principal',
    summary:
      'An app registration in Microsoft Entra ID with a client secret; it needs a Storage Blob Data role on the account.',
    accountFromCredentials: false,
    credentials: [
      {
        key: 'tenant_id',
        label: 'Tenant ID',
        noun: 'tenant ID',
        secret: false,
        placeholder: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
        hint: 'Portal: Microsoft Entra ID > App registrations > your app > Overview > Directory (tenant) ID.',
      },
      {
        key: 'client_id',
        label: 'Client ID',
        noun: 'client ID',
        secret: false,
        placeholder: 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
        hint: 'The same Overview page: Application (client) ID.',
      },
      {
        key: 'client_secret',
        label: 'Client secret',
        noun: 'client secret',
        secret: true,
        hint: "Your app > Certificates & secrets > Client secrets: the secret's Value (shown once, when created), not its Secret ID.",
      },
    ],
  },
  user_ms_identity: {
    type: 'user_ms_identity',
    summary:
      'Your own Entra ID access token for Azure Storage, used as given and not refreshed (it usually lasts an hour).',
    accountFromCredentials: false,
    credentials: [
      {
        key: 'access_token',
        label: 'Access token',
        noun: 'access token',
        secret: true,
        placeholder: 'eyJ0eXAiOiJKV1Qi…',
        hint: 'From the Azure CLI: az account get-access-token --resource https://storage.azure.com/ --query accessToken -o tsv',
      },
    ],
  },
  anonymous: {
    type: 'anonymous',
    summary: 'No credentials: only containers with public read access. Give the container below.',
    accountFromCredentials: false,
    credentials: [],
  },
};

/** The six choices, in the order the form lists them. */
export const authTypeOrder: AuthType[] = [
  'connection_string',
  'account_key',
  'sas_token',
  'service_principal',
  'user_ms_identity',
  'anonymous',
];

/**
 * The Azure Storage emulator's (Azurite's) published development account key. It is the same
 * for every Azurite installation and documented by Microsoft ("Authorize with Shared Key
 * credentials", Azurite docs): not a secret, and it only opens a local emulator.
 */
export const azuriteAccountKey =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
