/// <reference types="node" />
// A thin client of Cerulean's HTTP API for arranging and checking what the UI tests do
// (users, connections, blobs). The UI itself is only driven through the browser.

import type { APIRequestContext, APIResponse } from '@playwright/test';

import type { components } from '../../src/lib/api/schema.gen';
import { emulatorAccount } from './stack.mjs';

type Schemas = components['schemas'];
export type ConnectionRead = Schemas['ConnectionRead'];
export type BlobItem = Schemas['BlobItem'];
export type BlobProperties = Schemas['BlobProperties'];
export type BlobList = Schemas['BlobList'];
export type SyncJob = Schemas['SyncJob'];
export type SyncJobCreate = Schemas['SyncJobCreate'];
export type SyncRun = Schemas['SyncRun'];

export interface Credentials {
  email: string;
  password: string;
}

let counter = 0;
/** A unique, valid name fragment for this run (lowercase letters and digits). */
export function uniqueSuffix(): string {
  counter += 1;
  return `${Date.now().toString(36)}${process.pid.toString(36)}${counter}`;
}

/** A fresh account's credentials (not yet registered). */
export function newCredentials(): Credentials {
  return { email: `e2e-${uniqueSuffix()}@example.com`, password: `correct horse ${uniqueSuffix()}` };
}

async function expectOk(response: APIResponse, what: string): Promise<APIResponse> {
  if (!response.ok()) {
    throw new Error(`${what}: HTTP ${response.status()} ${await response.text()}`);
  }
  return response;
}

/** The API as one signed-in user. */
export class Api {
  constructor(
    readonly request: APIRequestContext,
    readonly token: string,
    readonly credentials: Credentials,
  ) {}

  /** Registers a new user and signs in. */
  static async newUser(request: APIRequestContext, credentials = newCredentials()): Promise<Api> {
    await expectOk(
      await request.post('/api/v1/auth/register', {
        data: { email: credentials.email, password: credentials.password },
      }),
      'register',
    );
    return new Api(request, await Api.signIn(request, credentials), credentials);
  }

  static async signIn(request: APIRequestContext, credentials: Credentials): Promise<string> {
    const response = await expectOk(
      await request.post('/api/v1/auth/token', {
        data: { username: credentials.email, password: credentials.password },
      }),
      'token',
    );
    return ((await response.json()) as Schemas['Token']).access_token;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { Authorization: `Bearer ${this.token}`, ...extra };
  }

  async get<T>(path: string, params?: Record<string, string | number>): Promise<T> {
    const response = await expectOk(await this.request.get(path, { headers: this.headers(), params }), `GET ${path}`);
    return (await response.json()) as T;
  }

  async raw(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    options: { params?: Record<string, string | number>; data?: unknown; headers?: Record<string, string> } = {},
  ): Promise<APIResponse> {
    return this.request.fetch(path, {
      method,
      headers: this.headers(options.headers),
      params: options.params,
      data: options.data as never,
    });
  }

  async changePassword(newPassword: string): Promise<void> {
    await expectOk(
      await this.raw('PATCH', '/api/v1/users/me', {
        data: { password: newPassword, current_password: this.credentials.password },
      }),
      'change password',
    );
    this.credentials.password = newPassword;
  }

  /** A connection to the run's Azurite: devstoreaccount1 with the well-known key, or another account. */
  async emulatorConnection(
    emulatorEndpoint: string,
    name = `Emulator ${uniqueSuffix()}`,
    account: { name: string; key: string } = emulatorAccount,
  ): Promise<ConnectionRead> {
    const response = await expectOk(
      await this.raw('POST', '/api/v1/azure_blob/connections', {
        data: {
          name,
          auth_type: 'account_key',
          account_name: account.name,
          endpoint: emulatorEndpoint,
          credentials: { account_key: account.key },
        },
      }),
      'create connection',
    );
    return (await response.json()) as ConnectionRead;
  }

  async connections(): Promise<ConnectionRead[]> {
    return (await this.get<Schemas['ConnectionList']>('/api/v1/azure_blob/connections')).items;
  }

  async createContainer(connectionId: number, name: string): Promise<void> {
    await expectOk(
      await this.raw('POST', `/api/v1/azure_blob/connections/${connectionId}/containers`, { data: { name } }),
      `create container ${name}`,
    );
  }

  async containerNames(connectionId: number): Promise<string[]> {
    const list = await this.get<Schemas['ContainerList']>(`/api/v1/azure_blob/connections/${connectionId}/containers`);
    return list.items.map((c) => c.name);
  }

  /** Uploads one blob (raw body). */
  async putBlob(
    connectionId: number,
    container: string,
    name: string,
    body: Buffer | string,
    contentType = 'application/octet-stream',
  ): Promise<BlobItem> {
    const response = await expectOk(
      await this.raw('POST', `/api/v1/azure_blob/connections/${connectionId}/blobs`, {
        params: { container, name },
        data: typeof body === 'string' ? Buffer.from(body) : body,
        headers: { 'Content-Type': contentType },
      }),
      `upload ${container}/${name}`,
    );
    return ((await response.json()) as { items: BlobItem[] }).items[0]!;
  }

  /** Every blob name in a container under a prefix (flat listing). */
  async blobNames(connectionId: number, container: string, prefix = ''): Promise<string[]> {
    const names: string[] = [];
    let marker: string | null | undefined;
    do {
      const page = await this.get<BlobList>(`/api/v1/azure_blob/connections/${connectionId}/blobs`, {
        container,
        prefix,
        limit: 5000,
        ...(marker ? { marker } : {}),
      });
      names.push(...page.items.map((b) => b.name));
      marker = page.next_marker;
    } while (marker);
    return names;
  }

  async properties(connectionId: number, container: string, name: string): Promise<BlobProperties> {
    return this.get<BlobProperties>(`/api/v1/azure_blob/connections/${connectionId}/blobs/properties`, {
      container,
      name,
    });
  }

  async blobStatus(connectionId: number, container: string, name: string): Promise<number> {
    return (
      await this.raw('GET', `/api/v1/azure_blob/connections/${connectionId}/blobs/properties`, {
        params: { container, name },
      })
    ).status();
  }

  /** Creates a sync job (its first run is queued at once). */
  async createSyncJob(connectionId: number, body: Partial<SyncJobCreate>): Promise<SyncJob> {
    const response = await expectOk(
      await this.raw('POST', `/api/v1/azure_blob/connections/${connectionId}/sync_jobs`, { data: body }),
      'create sync job',
    );
    return (await response.json()) as SyncJob;
  }

  async syncJobs(connectionId: number): Promise<SyncJob[]> {
    return (await this.get<{ items: SyncJob[] }>(`/api/v1/azure_blob/connections/${connectionId}/sync_jobs`)).items;
  }

  async syncRuns(connectionId: number, jobId: number): Promise<SyncRun[]> {
    return (
      await this.get<{ items: SyncRun[] }>(`/api/v1/azure_blob/connections/${connectionId}/sync_jobs/${jobId}/runs`)
    ).items;
  }

  /** Copies a blob inside the account (server side), e.g. to make large test data quickly. */
  async copyBlob(connectionId: number, container: string, from: string, to: string): Promise<void> {
    await expectOk(
      await this.raw('POST', `/api/v1/azure_blob/connections/${connectionId}/blobs/copy`, {
        data: { source: { container, name: from }, container, name: to },
      }),
      `copy ${container}/${from} to ${to}`,
    );
  }
}
